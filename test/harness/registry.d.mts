// Types for registry.mjs (plain JavaScript so the test driver runs without compiling).

export interface RegistryAuth {
  /** htpasswd file (bcrypt lines; see addHtpasswdUser) enabling Basic auth. */
  htpasswd?: string;
  /** Kept on the result as `creds` (for pushFixtures and tests); not written anywhere. */
  username?: string;
  password?: string;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface Registry {
  /** "127.0.0.1:PORT", what image references use. */
  host: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  port: number;
  pid: number;
  dir: string;
  config: string;
  /** The registry's own log (stderr and access log). */
  log: string;
  creds?: Credentials;
  /** SIGTERM (then SIGKILL after 5 s) to the registry's PID only. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number>;
export function addHtpasswdUser(file: string, username: string, password: string): Promise<string>;
export function startRegistry(options: { dir: string; auth?: RegistryAuth }): Promise<Registry>;
export const FIXTURE_PUSHES: ReadonlyArray<{ repo: string; image: string; args: string[] }>;
export function pushFixtures(
  registry: Pick<Registry, 'host' | 'dir' | 'creds'>,
  cacheDir: string,
  options?: { creds?: Credentials },
): Promise<Record<string, string>>;
