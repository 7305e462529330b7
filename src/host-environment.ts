/**
 * The environment tpod was started in, as the user set it. bin/tpod renames
 * NODE_EXTRA_CA_CERTS to TPOD_EXTRA_CA_CERTS before Node starts, because Node parses those
 * certificates at start-up, before any of tpod runs, on every command (~45 ms with
 * Debian's CA bundle); tpod itself needs them only for TLS to a registry.
 */
import { readFileSync } from 'node:fs';

export const EXTRA_CA_VARIABLE = 'TPOD_EXTRA_CA_CERTS';
const NODE_VARIABLE = 'NODE_EXTRA_CA_CERTS';

/** process.env with the launcher's renaming undone: what the user's commands should see. */
export function hostEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const renamed = env[EXTRA_CA_VARIABLE];
  if (renamed === undefined || env[NODE_VARIABLE] !== undefined) return env;
  const { [EXTRA_CA_VARIABLE]: _omitted, ...rest } = env;
  return { ...rest, [NODE_VARIABLE]: renamed };
}

/**
 * The certificates (PEM) of NODE_EXTRA_CA_CERTS that Node did not load itself because the
 * launcher handed them on renamed. Node ignores an unreadable file with a warning; so
 * does tpod, without one: a registry that needed them then fails its TLS handshake, which
 * is the error the user sees.
 */
export function extraCaCertificates(env: NodeJS.ProcessEnv = process.env): string[] {
  const file = env[EXTRA_CA_VARIABLE];
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return [];
  }
}
