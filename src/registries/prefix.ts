/**
 * Choosing a [[registry]] table (containers-registries.conf(5), "Choosing a [[registry]] TOML
 * table"): the reference must start with the prefix and continue with a separator ("/", ":"
 * or "@") or end there; of all matches only the longest prefix counts. `*.example.com`
 * matches any subdomain of example.com in the registry part.
 */
import type { RegistryTable } from './types.js';

/** Length of `reference` that `prefix` covers, or -1 if it does not match. */
export function prefixMatchLength(reference: string, prefix: string): number {
  if (prefix.startsWith('*.')) return subdomainMatchLength(reference, prefix.slice(1));
  if (!reference.startsWith(prefix)) return -1;
  if (reference.length === prefix.length) return prefix.length;
  // As in containers/image this lets "example.com" match "example.com:5000"; podman users
  // may rely on it, so tpod keeps it.
  return isSeparator(reference[prefix.length]) ? prefix.length : -1;
}

/** `domain` is ".example.com": it must end the host part, before any "/". */
function subdomainMatchLength(reference: string, domain: string): number {
  const index = reference.indexOf(domain);
  if (index === -1 || reference.slice(0, index).includes('/')) return -1;
  const end = index + domain.length;
  if (end === reference.length) return end;
  return isSeparator(reference[end]) ? end : -1;
}

function isSeparator(char: string | undefined): boolean {
  return char === '/' || char === ':' || char === '@';
}

/** The table with the longest matching prefix; ties go to the first in (sorted) order. */
export function findRegistryTable(registries: readonly RegistryTable[], reference: string): RegistryTable | undefined {
  let best: RegistryTable | undefined;
  for (const table of registries) {
    if (prefixMatchLength(reference, table.prefix) === -1) continue;
    if (best === undefined || table.prefix.length > best.prefix.length) best = table;
  }
  return best;
}
