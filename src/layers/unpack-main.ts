/**
 * `node unpack-main.js BLOB TARGET OPTIONS_JSON` ({expected, userNamespace,
 * ignoreUnmappedOwners}): unpackLayer as a program (unpack-process.ts): for rootless stores
 * as root of the user's namespace, so that chown to container ids lands on the user's
 * subordinate ids; for big layers as root, so that layers unpack on every core. Prints the
 * UnpackResult as JSON; a failure is printed as {"error": {kind, message, hint}} with exit
 * status 1, so the caller rethrows the same typed error.
 */
import { createReadStream } from 'node:fs';
import { isTpodError } from '../errors.js';
import { unpackLayer, type ExpectedLayer } from './unpack.js';

const [blobPath, target, optionsJson] = process.argv.slice(2);
try {
  if (!blobPath || !target || !optionsJson) throw new Error('usage: unpack-main.js BLOB TARGET OPTIONS_JSON');
  const { expected, userNamespace, ignoreUnmappedOwners } = JSON.parse(optionsJson) as { expected: ExpectedLayer; userNamespace: boolean; ignoreUnmappedOwners: boolean };
  const result = await unpackLayer(createReadStream(blobPath), target, { expected, preserveOwner: true, userNamespace, ignoreUnmappedOwners });
  process.stdout.write(JSON.stringify(result));
} catch (err) {
  const error = isTpodError(err) ? { kind: err.kind, message: err.message, hint: err.hint } : { kind: 'internal', message: (err as Error).message };
  process.stdout.write(JSON.stringify({ error }));
  process.exitCode = 1;
}
