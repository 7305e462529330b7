/**
 * Unpacking a layer in a process of its own (unpack-main.ts), with the same staging,
 * verification and rename as unpackLayer in this process. Two reasons:
 *  - rootless: files must carry the image's owners shifted into the user's subordinate ids
 *    (container uid 1000 → host 100999), which only root of the user's namespace can chown
 *    to, so the process runs there;
 *  - big layers as root: inflating, hashing and creating thousands of files is one core's
 *    work per layer, and in this process every layer shares one thread for the file calls.
 *    In processes, layers pulled in parallel use every core: a cold pull of the bench's
 *    5-layer, 111 MiB image took 5.5 s instead of 6.2 s (medians of 4 runs each, the two
 *    ways alternated). A process costs ~0.1 s to start, so small layers stay in this one.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TpodError, type ErrorKind } from '../errors.js';
import type { UserIdMapping } from '../rootless/id-ranges.js';
import { commandFailure, execInUserNamespace, exitStatus, type UserNamespaceResult } from '../rootless/user-namespace.js';
import type { ExpectedLayer, UnpackResult } from './unpack.js';

// From the package root, three levels up both from here (dist/src/layers/) and from the
// start-up bundle (dist/bundle/tpod/), which shares this module's import.meta.url.
const UNPACK_MAIN = fileURLToPath(new URL('../../../dist/src/layers/unpack-main.js', import.meta.url));

/** Compressed size from which a root pull unpacks a layer in a process of its own. */
export const OWN_PROCESS_MIN_BYTES = 8 * 1024 * 1024;

/** `mapping`: unpack as root of the user's namespace (rootless); none: as this process's user. */
export async function unpackLayerInProcess(blobPath: string, target: string, expected: ExpectedLayer, mapping?: UserIdMapping): Promise<UnpackResult> {
  // A single-id mapping (no subordinate ids) cannot give files other owners: they stay root's.
  const options = { expected, userNamespace: mapping !== undefined, ignoreUnmappedOwners: mapping !== undefined && !mapping.subordinate };
  const argv = [process.execPath, UNPACK_MAIN, blobPath, target, JSON.stringify(options)];
  const what = `unpacking ${expected.digest ?? blobPath}${mapping ? ' in the user namespace' : ''}`;
  const result = mapping ? await execInUserNamespace(mapping, argv, what) : await execPlain(argv);
  if (result.code === 0) return JSON.parse(result.stdout) as UnpackResult;
  // The unpacker reports its own failure on stdout; anything else is the namespace's.
  throw reportedError(result.stdout) ?? commandFailure(what, result);
}

function execPlain([command, ...args]: string[]): Promise<UserNamespaceResult> {
  return new Promise((resolve) => {
    execFile(command!, args, { maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const failure = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
      const code = !failure ? 0 : typeof failure.code === 'number' ? failure.code : failure.signal ? exitStatus(null, failure.signal) : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function reportedError(stdout: string): TpodError | undefined {
  if (!stdout) return undefined;
  try {
    const { error } = JSON.parse(stdout) as { error?: { kind: ErrorKind; message: string; hint?: string } };
    return error ? new TpodError(error.kind, error.message, { hint: error.hint }) : undefined;
  } catch {
    return undefined;
  }
}
