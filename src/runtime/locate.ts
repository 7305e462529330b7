/**
 * Finding the OCI runtime binary. `--runtime` takes a name (runc, crun) looked up in
 * $PATH, or an absolute path; a missing runtime is an error naming what was looked for.
 */
import { execFileAsync } from '../exec-file.js';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { NotFoundError } from '../errors.js';


export interface OciRuntime {
  name: string;
  path: string;
}

export function locateRuntime(nameOrPath: string, env: NodeJS.ProcessEnv = process.env): OciRuntime {
  const name = nameOrPath.split('/').at(-1) ?? nameOrPath;
  if (isAbsolute(nameOrPath)) {
    if (isExecutable(nameOrPath)) return { name, path: nameOrPath };
    throw new NotFoundError(`OCI runtime ${nameOrPath} not found or not executable`);
  }
  // sbin directories too: root's PATH may lack them under sudo or systemd units.
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, nameOrPath);
    if (isExecutable(candidate)) return { name, path: candidate };
  }
  throw new NotFoundError(`OCI runtime "${nameOrPath}" not found in $PATH`, {
    hint: `install it (apt-get install ${nameOrPath}) or pass --runtime /path/to/${nameOrPath}`,
  });
}

/** The first line of `RUNTIME --version`, e.g. "runc version 1.1.5". */
export async function runtimeVersion(runtime: OciRuntime): Promise<string> {
  const { stdout } = await execFileAsync(runtime.path, ['--version'], { timeout: 5_000 });
  return stdout.split('\n')[0]?.trim() ?? '';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
