/**
 * Layer ChainIDs (OCI image-spec config.md "Layer ChainID"): the identity of a layer *in
 * its stack*, so two images share an unpacked directory only when every layer below is
 * the same too. ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 */
import { createHash } from 'node:crypto';

export function chainIds(diffIds: readonly string[]): string[] {
  const ids: string[] = [];
  for (const diffId of diffIds) {
    const parent = ids.at(-1);
    ids.push(parent === undefined ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`);
  }
  return ids;
}
