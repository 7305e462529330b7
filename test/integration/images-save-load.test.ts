// `tpod save` / `tpod load` in both formats, against podman in both directions (podman
// runs on a private vfs store, never the host's), and tpod to tpod.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fixtureRef } from '../helpers/env.js';
import { runTpod, tempDir, tempStore, tpodOk, type TempStore } from '../helpers/tpod.js';

const execFileP = promisify(execFile);

/** podman on a throw-away store: vfs, no events journal, no systemd. */
function podmanIn(dir: string) {
  const globals = [
    '--root', join(dir, 'root'),
    '--runroot', join(dir, 'run'),
    '--storage-driver', 'vfs',
    '--events-backend', 'none',
    '--cgroup-manager', 'cgroupfs',
  ];
  return async (...args: string[]): Promise<string> => {
    try {
      const { stdout } = await execFileP('podman', [...globals, ...args], { maxBuffer: 64 << 20, env: { ...process.env, TMPDIR: dir } });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`podman ${args.join(' ')} failed: ${e.stderr || e.message}`);
    }
  };
}

const idOf = async (store: TempStore, ref: string): Promise<string> =>
  JSON.parse(await tpodOk(['image', 'inspect', ref], { store }))[0].Id as string;

describe('tpod save and load', () => {
  const store = tempStore();
  const dir = tempDir();
  const podman = podmanIn(join(dir.path, 'podman'));
  const ids: Record<string, string> = {};
  before(async () => {
    for (const name of ['busybox', 'multilayer', 'busybox-v2s2'] as const) {
      ids[name] = (await tpodOk(['pull', '-q', fixtureRef(name)], { store })).trim();
    }
  });
  after(async () => {
    await podman('rmi', '-a', '-f').catch(() => undefined);
    store.remove();
    dir.remove();
  });

  it('docker-archive: podman save layout, uncompressed layers named by diffID', async () => {
    const archive = join(dir.path, 'multilayer.tar');
    await tpodOk(['save', '-o', archive, fixtureRef('multilayer')], { store });
    const { stdout } = await execFileP('tar', ['tf', archive]);
    const manifest = JSON.parse((await execFileP('tar', ['xOf', archive, 'manifest.json'])).stdout);
    assert.equal(manifest.length, 1);
    assert.equal(manifest[0].Config, `${ids.multilayer}.json`);
    assert.deepEqual(manifest[0].RepoTags, [fixtureRef('multilayer')]);
    const inspect = JSON.parse(await tpodOk(['image', 'inspect', fixtureRef('multilayer')], { store }))[0];
    assert.deepEqual(manifest[0].Layers, inspect.RootFS.Layers.map((diffId: string) => `${diffId.slice(7)}.tar`));
    for (const layer of manifest[0].Layers) assert.ok(stdout.includes(layer));
  });

  it('podman loads what tpod saves, docker-archive and oci-archive, with the same image ID', async () => {
    const docker = join(dir.path, 'to-podman-docker.tar');
    const oci = join(dir.path, 'to-podman-oci.tar');
    await tpodOk(['save', '-o', docker, fixtureRef('multilayer')], { store });
    await tpodOk(['save', '--format', 'oci-archive', '-o', oci, fixtureRef('busybox-v2s2')], { store });
    assert.match(await podman('load', '-i', docker), new RegExp(`Loaded image: ${fixtureRef('multilayer')}`));
    assert.match(await podman('load', '-i', oci), new RegExp(`Loaded image: ${fixtureRef('busybox-v2s2')}`));
    const listed = JSON.parse(await podman('images', '--format', 'json')) as Array<{ Id: string; Names: string[] }>;
    const byName = (name: string) => listed.find((image) => image.Names?.includes(name))?.Id;
    assert.equal(byName(fixtureRef('multilayer')), ids.multilayer);
    assert.equal(byName(fixtureRef('busybox-v2s2')), ids['busybox-v2s2']);
  });

  it('tpod loads what podman saves: docker-archive, oci-archive, multi-image docker-archive', async () => {
    await podman('pull', '-q', '--tls-verify=false', fixtureRef('multiarch'));
    const podmanId = (await podman('image', 'inspect', '--format', '{{.Id}}', fixtureRef('multiarch'))).trim();
    const cases: Array<[string, string[], string[]]> = [
      ['p-docker.tar', [], [fixtureRef('multiarch')]],
      ['p-oci.tar', ['--format', 'oci-archive'], [fixtureRef('multiarch')]],
      ['p-multi.tar', ['-m'], [fixtureRef('multiarch'), fixtureRef('multilayer')]],
    ];
    for (const [file, flags, names] of cases) {
      const archive = join(dir.path, file);
      await podman('save', '-q', ...flags, '-o', archive, ...names);
      const own = tempStore();
      try {
        const result = await runTpod(['load', '-i', archive], { store: own });
        assert.equal(result.code, 0, `${file}: ${result.stderr}`);
        for (const name of names) assert.match(result.stdout, new RegExp(`^Loaded image: ${name.replace(/\./g, '\\.')}$`, 'm'));
        assert.equal(await idOf(own, fixtureRef('multiarch')), podmanId, file);
        if (names.length > 1) assert.equal(await idOf(own, fixtureRef('multilayer')), ids.multilayer, file);
      } finally {
        own.remove();
      }
    }
  });

  it('round trip tpod → tpod in both formats, from a file, stdin, and gzip', async () => {
    for (const format of ['docker-archive', 'oci-archive']) {
      const archive = join(dir.path, `round-${format}.tar`);
      await tpodOk(['save', '--format', format, '-o', archive, fixtureRef('busybox'), fixtureRef('multilayer')], { store });
      for (const how of ['file', 'stdin', 'gzip'] as const) {
        const own = tempStore();
        try {
          const args = how === 'file' ? ['load', '-q', '-i', archive] : ['load', '-q'];
          const input = how === 'stdin' ? readFileSync(archive) : how === 'gzip' ? gzipSync(readFileSync(archive)) : undefined;
          const result = await runTpod(args, { store: own, ...(input ? { input } : {}) });
          assert.equal(result.code, 0, `${format} ${how}: ${result.stderr}`);
          assert.equal(await idOf(own, fixtureRef('busybox')), ids.busybox);
          assert.equal(await idOf(own, fixtureRef('multilayer')), ids.multilayer);
          const layers = readdirSync(join(own.root, 'layers')).filter((name) => /^[a-f0-9]{64}$/.test(name));
          assert.ok(layers.length >= 4, `${format} ${how}: ${layers.length} layers`);
          assert.ok(layers.some((layer) => existsSync(join(own.root, 'layers', layer, 'bin', 'busybox'))));
          // The temporary extraction directory is gone.
          assert.deepEqual(readdirSync(join(own.root, 'tmp')), []);
        } finally {
          own.remove();
        }
      }
    }
  });

  it('saves to stdout when it is not a terminal; an image saved by ID loads unnamed', async () => {
    const archive = join(dir.path, 'by-id.tar');
    const raw = await runTpodRaw(['save', '--format', 'oci-archive', ids.busybox!.slice(0, 12)], store);
    writeFileSync(archive, raw);
    const own = tempStore();
    try {
      const loaded = await tpodOk(['load', '-i', archive], { store: own });
      assert.equal(loaded.trim(), `Loaded image: sha256:${ids.busybox}`);
      const images = JSON.parse(await tpodOk(['images', '--format', 'json'], { store: own }));
      assert.equal(images[0].Id, ids.busybox);
    } finally {
      own.remove();
    }
  });

  it('refuses what is no image archive, and unknown images, in one line, leaving no file', async () => {
    const junk = join(dir.path, 'junk.tar');
    writeFileSync(junk, 'this is not a tar file at all'.repeat(40));
    const bad = await runTpod(['load', '-i', junk], { store });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /payload does not match any of the supported image formats/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    const out = join(dir.path, 'never.tar');
    const unknown = await runTpod(['save', '-o', out, fixtureRef('busybox'), 'localhost/nope:1'], { store });
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /^Error: localhost\/nope:1: image not known$/m);
    assert.equal(existsSync(out), false);
    const missing = await runTpod(['load', '-i', join(dir.path, 'absent.tar')], { store });
    assert.equal(missing.code, 125);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  });
});

/** stdout as bytes (runTpod decodes it as UTF-8, which a tar does not survive). */
async function runTpodRaw(args: string[], store: TempStore): Promise<Buffer> {
  const { TPOD_BIN, tpodEnv } = await import('../helpers/tpod.js');
  const { stdout } = await execFileP(TPOD_BIN, args, { env: tpodEnv({ store }), encoding: 'buffer', maxBuffer: 64 << 20 });
  return stdout;
}
