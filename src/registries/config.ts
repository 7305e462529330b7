/**
 * Loading registries.conf the way podman does (containers-registries.conf(5),
 * containers-registries.conf.d(5)):
 *
 *   1. the main file: /etc/containers/registries.conf; for a rootless user
 *      $XDG_CONFIG_HOME/containers/registries.conf (default ~/.config/...) replaces it if
 *      it exists;
 *   2. drop-ins, each directory in lexical order, only `*.conf`, no subdirectories: the
 *      system registries.conf.d, then the user's; when the user's main file replaced the
 *      system one, only the user's directory;
 *   3. an explicit file (`--registries-conf`, else $TPOD_REGISTRIES_CONF) replaces all of it.
 *
 * Merge rules (containers-registries.conf.d(5), "CONFIGURATION PRECEDENCE"): a later file's
 * [[registry]] replaces an earlier one with the same prefix and adds the others; a later
 * unqualified-search-registries replaces the earlier list whenever the key is present, even
 * as [].
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fromSystemError, NotFoundError } from '../errors.js';
import { isRootless } from '../paths.js';
import { compareStrings, parseRegistriesFile, type RegistriesFile } from './parse.js';
import type { RegistriesConfig, RegistryTable } from './types.js';

export type { Mirror, PullFromMirror, PullSource, RegistriesConfig, RegistryTable } from './types.js';
export { resolvePullSources } from './pull-sources.js';

/**
 * Where short names go when no file sets unqualified-search-registries. podman refuses short
 * names then; tpod's promise is `busybox` → docker.io/library/busybox, as docker does.
 */
export const DEFAULT_SEARCH_REGISTRIES: readonly string[] = ['docker.io'];

const SYSTEM_FILE = '/etc/containers/registries.conf';
const SYSTEM_DROP_IN_DIR = '/etc/containers/registries.conf.d';

export interface LoadRegistriesOptions {
  /** `--registries-conf`: this file only. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Defaults to whether the effective uid is not 0. */
  rootless?: boolean;
  /** Directory the /etc paths are taken under (tests, image builds); podman's RootForImplicitAbsolutePaths. */
  systemRoot?: string;
}

/** The files to read: `main` (unless missing and optional), then each drop-in directory. */
export interface RegistriesConfigSources {
  main: string;
  /** An explicitly named file must exist; the default ones may not. */
  mainRequired: boolean;
  dropInDirs: string[];
}

export function registriesConfigSources(options: LoadRegistriesOptions = {}): RegistriesConfigSources {
  const env = options.env ?? process.env;
  const explicit = options.path || env.TPOD_REGISTRIES_CONF;
  if (explicit) return { main: explicit, mainRequired: true, dropInDirs: [] };
  const systemRoot = options.systemRoot ?? '/';
  const systemFile = join(systemRoot, SYSTEM_FILE);
  const systemDropIns = join(systemRoot, SYSTEM_DROP_IN_DIR);
  if (!(options.rootless ?? isRootless())) return { main: systemFile, mainRequired: false, dropInDirs: [systemDropIns] };
  const userDir = join(userConfigHome(env), 'containers');
  const userFile = join(userDir, 'registries.conf');
  const userDropIns = join(userDir, 'registries.conf.d');
  if (existsSync(userFile)) return { main: userFile, mainRequired: false, dropInDirs: [userDropIns] };
  return { main: systemFile, mainRequired: false, dropInDirs: [systemDropIns, userDropIns] };
}

export function loadRegistriesConfig(options: LoadRegistriesOptions = {}): RegistriesConfig {
  const sources = registriesConfigSources(options);
  const config: RegistriesConfig = {
    unqualifiedSearchRegistries: undefined,
    searchRegistriesOrigin: undefined,
    registries: [],
    files: [],
  };
  const mainText = readOptional(sources.main);
  if (mainText === undefined && sources.mainRequired) {
    throw new NotFoundError(`registries configuration file not found: ${JSON.stringify(sources.main)}`);
  }
  if (mainText !== undefined) mergeFile(config, sources.main, parseRegistriesFile(mainText, sources.main));
  for (const file of sources.dropInDirs.flatMap(dropInFiles)) {
    const text = readOptional(file);
    // A drop-in removed between listing and reading is a harmless race.
    if (text !== undefined) mergeFile(config, file, parseRegistriesFile(text, file));
  }
  return config;
}

/** The registries a short name is tried against, in order. */
export function searchRegistries(config: RegistriesConfig): string[] {
  return [...(config.unqualifiedSearchRegistries ?? DEFAULT_SEARCH_REGISTRIES)];
}

function mergeFile(config: RegistriesConfig, file: string, update: RegistriesFile): void {
  const byPrefix = new Map<string, RegistryTable>(config.registries.map((table) => [table.prefix, table]));
  for (const table of update.registries) byPrefix.set(table.prefix, table);
  config.registries = [...byPrefix.values()].sort((a, b) => compareStrings(a.prefix, b.prefix));
  if (update.unqualifiedSearchRegistries !== undefined) {
    config.unqualifiedSearchRegistries = update.unqualifiedSearchRegistries;
    config.searchRegistriesOrigin = file;
  }
  config.files.push(file);
}

/** `*.conf` files directly in `dir`, lexically; a missing directory is the common case. */
function dropInFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw fromSystemError(err, `reading ${dir}`);
  }
  return entries
    .filter((entry) => !entry.isDirectory() && entry.name.endsWith('.conf'))
    .map((entry) => entry.name)
    .sort(compareStrings)
    .map((name) => join(dir, name));
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw fromSystemError(err, `reading ${file}`);
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
function userConfigHome(env: NodeJS.ProcessEnv): string {
  const configured = env.XDG_CONFIG_HOME;
  if (configured?.startsWith('/')) return configured;
  return join(env.HOME || homedir(), '.config');
}
