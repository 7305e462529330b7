/**
 * Reading and clearing overlayfs' opaque marker (xattr trusted.overlay.opaque=y) for the
 * copy driver. Node has no xattr API, so this spawns getfattr/setfattr (Debian package
 * `attr`, which src/layers needs too): one getfattr walks a whole layer, one setfattr
 * clears a whole batch.
 */
import { execFileAsync as run } from '../exec-file.js';
import { relative } from 'node:path';
import { TpodError, UnavailableError } from '../errors.js';


export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** Directories of `layerDir` marked opaque, relative to it ("" for the layer root). */
export async function findOpaqueDirs(layerDir: string): Promise<Set<string>> {
  // -P: never follow a symlink into another tree; -d -m: dump only this attribute, so
  // files without it produce no output and no error.
  const args = ['-R', '-P', '-h', '--absolute-names', '-d', '-m', `^${OPAQUE_XATTR.replace(/\./g, '\\.')}$`, '--', layerDir];
  const output = await attrTool('getfattr', args, `reading opaque markers in ${layerDir}`);
  const dirs = new Set<string>();
  for (const [path, value] of parseGetfattrDump(output)) if (value === '"y"') dirs.add(relative(layerDir, path));
  return dirs;
}

/** Removes the attribute from each path; paths without it are fine. */
export async function removeOpaqueMarkers(paths: readonly string[]): Promise<void> {
  for (let start = 0; start < paths.length; start += 512) {
    const batch = paths.slice(start, start + 512);
    await attrTool('setfattr', ['-h', '-x', OPAQUE_XATTR, '--', ...batch], `clearing ${OPAQUE_XATTR} on ${batch[0]}`, /No such attribute/);
  }
}

/** `# file: PATH` then `NAME=VALUE` lines; PATH escapes bytes as \ooo (attr's quote()). */
function parseGetfattrDump(output: Buffer): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let path: string | undefined;
  for (const line of output.toString('latin1').split('\n')) {
    if (line.startsWith('# file: ')) path = unescapeBytes(line.slice('# file: '.length));
    else if (path !== undefined && line.startsWith(`${OPAQUE_XATTR}=`)) pairs.push([path, line.slice(OPAQUE_XATTR.length + 1)]);
  }
  return pairs;
}

function unescapeBytes(latin1: string): string {
  const bytes = latin1.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * Runs an attr tool; a failure whose every stderr line matches `tolerated` is not one
 * (setfattr reports each path without the attribute but carries on with the others).
 */
async function attrTool(command: string, args: string[], what: string, tolerated?: RegExp): Promise<Buffer> {
  try {
    const { stdout } = await run(command, args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer; stdout?: Buffer };
    if (e.code === 'ENOENT' && e.path === command) {
      throw new UnavailableError(`${command} not found while ${what}`, { hint: 'install the Debian package attr', cause: err });
    }
    const lines = (e.stderr?.toString('utf8') ?? '').split('\n').filter(Boolean);
    if (tolerated && lines.length > 0 && lines.every((line) => tolerated.test(line))) return e.stdout ?? Buffer.alloc(0);
    throw new TpodError('internal', `${what}: ${lines[0] ?? e.message}`, { cause: err });
  }
}
