/**
 * `node unpack-main.js BLOB TARGET OPTIONS_JSON` ({expected, ignoreUnmappedOwners}):
 * unpackLayer as a program, for rootless
 * stores, run as root of the user's namespace (unpack-in-namespace.ts) so that chown to
 * container ids works and lands on the user's subordinate ids. Prints the UnpackResult as
 * JSON; a failure is printed as {"error": {kind, message, hint}} with exit status 1, so
 * the caller rethrows the same typed error.
 */
import { createReadStream } from 'node:fs';
import { isTpodError } from '../errors.js';
import { unpackLayer, type ExpectedLayer } from './unpack.js';

const [blobPath, target, optionsJson] = process.argv.slice(2);
try {
  if (!blobPath || !target || !optionsJson) throw new Error('usage: unpack-main.js BLOB TARGET OPTIONS_JSON');
  const { expected, ignoreUnmappedOwners } = JSON.parse(optionsJson) as { expected: ExpectedLayer; ignoreUnmappedOwners: boolean };
  const result = await unpackLayer(createReadStream(blobPath), target, { expected, preserveOwner: true, userNamespace: true, ignoreUnmappedOwners });
  process.stdout.write(JSON.stringify(result));
} catch (err) {
  const error = isTpodError(err) ? { kind: err.kind, message: err.message, hint: err.hint } : { kind: 'internal', message: (err as Error).message };
  process.stdout.write(JSON.stringify({ error }));
  process.exitCode = 1;
}
