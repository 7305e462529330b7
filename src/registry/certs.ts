/**
 * Per-registry TLS material as containers-certs.d(5) lays it out: a directory named after
 * the registry (`host[:port]`) holding `*.crt` CA certificates to trust in addition to the
 * system roots, and client certificate pairs `NAME.cert` + `NAME.key` for mutual TLS.
 * Without `--cert-dir`, the first existing of the user's, containers' and docker's
 * certs.d directories is used, the order containers/image searches them in.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

export interface TlsMaterial {
  /** Extra trusted CAs (PEM), added to the system roots. */
  ca: string[];
  /** Client certificate and key (PEM) for registries that require mutual TLS. */
  cert?: string;
  key?: string;
}

/** Candidate certs.d directories for `host`, most specific first. */
export function defaultCertDirs(host: string, env: NodeJS.ProcessEnv = process.env, uid = process.geteuid?.() ?? 0): string[] {
  const dirs: string[] = [];
  if (uid !== 0) {
    const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
    dirs.push(join(configHome, 'containers', 'certs.d', host));
  }
  dirs.push(join('/etc/containers/certs.d', host), join('/etc/docker/certs.d', host));
  return dirs;
}

/** TLS material from an explicit `--cert-dir`, or from the first default dir that exists. */
export function resolveTlsMaterial(host: string, certDir: string | undefined): TlsMaterial {
  if (certDir !== undefined) return loadCertDir(certDir);
  const found = defaultCertDirs(host).find((dir) => existsSync(dir));
  return found ? loadCertDir(found) : { ca: [] };
}

/**
 * Reads one certs.d directory. A missing directory is no material (containers/image
 * ignores it too); a `.cert` without its `.key` (or the reverse) is a configuration error.
 */
export function loadCertDir(dir: string): TlsMaterial {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ca: [] };
    throw err;
  }
  const material: TlsMaterial = { ca: names.filter((n) => n.endsWith('.crt')).map((n) => readFileSync(join(dir, n), 'utf8')) };
  const certs = names.filter((n) => n.endsWith('.cert'));
  const keys = names.filter((n) => n.endsWith('.key'));
  for (const cert of certs) {
    const key = `${cert.slice(0, -'.cert'.length)}.key`;
    if (!keys.includes(key)) throw new InvalidArgumentError(`missing key ${key} for client certificate ${join(dir, cert)}`);
  }
  for (const key of keys) {
    const cert = `${key.slice(0, -'.key'.length)}.cert`;
    if (!certs.includes(cert)) throw new InvalidArgumentError(`missing client certificate ${cert} for key ${join(dir, key)}`);
  }
  const first = certs[0];
  if (first !== undefined) {
    material.cert = readFileSync(join(dir, first), 'utf8');
    material.key = readFileSync(join(dir, `${first.slice(0, -'.cert'.length)}.key`), 'utf8');
  }
  return material;
}
