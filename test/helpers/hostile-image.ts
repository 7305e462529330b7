/**
 * Images built in the test itself (node-tar's habit), as OCI layouts of one uncompressed
 * layer: exploits whose layer tries to write outside the directory it is unpacked into
 * (tar tools refuse to make such archives, so the headers are written by hand, POSIX
 * ustar), and a layer big enough to be unpacked in a process of its own.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface TarEntry {
  name: string;
  type: 'file' | 'symlink' | 'dir';
  body?: string | Buffer;
  linkname?: string;
  uid?: number;
  mode?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.name, 0, 100, 'utf8');
  block.write(octal(entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644), 8), 100);
  block.write(octal(entry.uid ?? 0, 8), 108);
  block.write(octal(entry.uid ?? 0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(0, 12), 136);
  block.write('        ', 148);
  block.write(entry.type === 'file' ? '0' : entry.type === 'symlink' ? '2' : '5', 156);
  if (entry.linkname) block.write(entry.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148);
  return block;
}

export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.isBuffer(entry.body) ? entry.body : Buffer.from(entry.body ?? '');
    parts.push(header(entry, entry.type === 'file' ? body.length : 0));
    if (entry.type === 'file') parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function writeBlob(layout: string, bytes: Buffer): string {
  const digest = sha256(bytes);
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return digest;
}

/** A layout with tag `evil` whose layer tries to create `canary` (an absolute path). */
export async function buildHostileLayout(layout: string, kind: 'dotdot' | 'symlink', canary: string, padding?: Buffer): Promise<string> {
  const canaryDir = canary.slice(0, canary.lastIndexOf('/'));
  const canaryName = canary.slice(canary.lastIndexOf('/') + 1);
  const entries: TarEntry[] =
    kind === 'dotdot'
      ? [{ name: `${'../'.repeat(24)}${canary.slice(1)}`, type: 'file', body: 'escaped\n' }]
      : [
          { name: 'out', type: 'symlink', linkname: canaryDir },
          { name: `out/${canaryName}`, type: 'file', body: 'escaped\n' },
        ];
  // A big file first: the layer is then unpacked in a process of its own (pull of >= 8 MiB).
  return buildLayout(layout, 'evil', padding ? [{ name: 'padding.bin', type: 'file', body: padding }, ...entries] : entries);
}

/** A layout with `tag` whose one layer holds `entries`. */
export function buildLayout(layout: string, tag: string, entries: TarEntry[]): string {
  return buildLayersLayout(layout, tag, [entries]);
}

/** A layout with `tag` whose layers (uncompressed tars) hold `layers`, bottom first. */
export function buildLayersLayout(layout: string, tag: string, layers: TarEntry[][]): string {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const tars = layers.map((entries) => tarArchive(entries));
  const layerDigests = tars.map((tar) => writeBlob(layout, tar));
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: layerDigests } }),
  );
  const configDigest = writeBlob(layout, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: tars.map((tar, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigests[i], size: tar.length })),
    }),
  );
  const manifestDigest = writeBlob(layout, manifest);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return layout;
}
