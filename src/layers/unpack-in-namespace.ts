/**
 * Unpacking a layer for a rootless store. Files must carry the image's owners shifted into
 * the user's subordinate ids (container uid 1000 → host 100999), which only root of the
 * user's namespace can chown to; so the unpacker runs as a child process there
 * (unpack-main.ts), with the same staging, verification and rename as root's unpack.
 */
import { fileURLToPath } from 'node:url';
import { TpodError, type ErrorKind } from '../errors.js';
import type { UserIdMapping } from '../rootless/id-ranges.js';
import { commandFailure, execInUserNamespace } from '../rootless/user-namespace.js';
import type { ExpectedLayer, UnpackResult } from './unpack.js';

// From the package root, three levels up both from here (dist/src/layers/) and from the
// start-up bundle (dist/bundle/tpod/), which shares this module's import.meta.url.
const UNPACK_MAIN = fileURLToPath(new URL('../../../dist/src/layers/unpack-main.js', import.meta.url));

export async function unpackLayerInUserNamespace(mapping: UserIdMapping, blobPath: string, target: string, expected: ExpectedLayer): Promise<UnpackResult> {
  // A single-id mapping (no subordinate ids) cannot give files other owners: they stay root's.
  const options = { expected, ignoreUnmappedOwners: !mapping.subordinate };
  const argv = [process.execPath, UNPACK_MAIN, blobPath, target, JSON.stringify(options)];
  const what = `unpacking ${expected.digest ?? blobPath} in the user namespace`;
  const result = await execInUserNamespace(mapping, argv, what);
  if (result.code === 0) return JSON.parse(result.stdout) as UnpackResult;
  // The unpacker reports its own failure on stdout; anything else is the namespace's.
  throw reportedError(result.stdout) ?? commandFailure(what, result);
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
