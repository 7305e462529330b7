/**
 * `tpod top`: the container's processes as `ps` shows them on the host. They are found in
 * the container's scope cgroup (its v2 / unified hierarchy, with sub-cgroups), which
 * systemd owns; `runc ps` is not used because runc 1.1 lists nothing on hybrid hosts.
 */
import { execFileAsync } from '../exec-file.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import { ConflictError } from '../errors.js';
import { detectCgroups } from '../info/cgroups.js';
import { containerScope } from './layout.js';
import { syncContainer } from './sync.js';


export async function containerTop(engine: Engine, nameOrId: string, psFields: string[]): Promise<string> {
  const container = (await syncContainer(engine, engine.containers.get(nameOrId))) ?? engine.containers.get(nameOrId);
  if (container.state !== 'running' && container.state !== 'paused') throw new ConflictError(`top can only be used on running containers: container state improper`);
  const pids = await scopeProcesses(engine, container.id);
  const fields = psFields.length ? psFields.join(',') : 'user,pid,ppid,pcpu,etime,tty,time,args';
  const ps = await execFileAsync('ps', ['-o', fields, '-p', pids.join(',') || '0']).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return ps.stdout.trimEnd();
}

/** Every PID in the container's scope and the cgroups below it. */
export async function scopeProcesses(engine: Engine, id: string): Promise<number[]> {
  const unified = detectCgroups().layout === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  // A user manager's scopes live below user@UID.service/…, wherever it puts them: ask it.
  const cgroup = engine.paths.rootless ? await (await engine.systemd()).scopeControlGroup(containerScope(id)) : `/machine.slice/${containerScope(id)}`;
  return cgroup ? collect(join(unified, cgroup)) : [];
}

async function collect(dir: string): Promise<number[]> {
  const own = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  const children = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory());
  const nested = await Promise.all(children.map((child) => collect(join(dir, child.name))));
  return [...own, ...nested.flat()];
}
