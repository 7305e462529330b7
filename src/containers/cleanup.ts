/**
 * After a container's init has exited: record the status once, let the runtime forget it,
 * unmount the snapshot, and remove the container if it was created with --rm. Run by
 * conmon's exit command (`tpod container cleanup ID`), by a foreground `tpod run`, and by
 * any command that finds a dead container still marked running (kill -9, systemctl stop).
 * Every step is idempotent, so two of them racing on one container is harmless.
 */
import { readdir, readFile, rmdir } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { NotFoundError } from '../errors.js';
import { containerScope } from './layout.js';
import { removeContainer } from './remove.js';

/** Podman records -1 when a container died and nothing could tell its status. */
export const UNKNOWN_EXIT_CODE = -1;

export async function cleanupContainer(engine: Engine, id: string, known: { exitCode?: number } = {}): Promise<void> {
  const container = engine.containers.find(id);
  if (!container) return;
  if (container.state === 'created' && container.startedAt === undefined) return; // never ran
  const exitCode = known.exitCode ?? (await readExitFile(engine, container.id)) ?? UNKNOWN_EXIT_CODE;
  const oomKilled = exitCode === 137 && (container.config.spec.resources?.memory ?? 0) > 0 && (await wasOomKilled(engine, container.id, container.monitor === 'foreground'));
  if (!engine.containers.markExited(container.id, exitCode, oomKilled)) {
    // Someone else recorded this exit; if the container runs again since, its resources
    // belong to the new run and must not be released here.
    const now = engine.containers.find(container.id);
    if (!now || now.state === 'running' || now.state === 'paused') return;
  }
  await engine.containerRuntime(container).delete(container.id, true).catch(() => undefined);
  if (container.monitor === 'foreground') await removeRuntimeCgroupParents(engine, container.id);
  await engine.snapshots(container.config.storageDriver).unmount(container.id).catch(() => undefined);
  if (container.config.autoRemove) {
    await removeContainer(engine, container.id, { force: true, timeoutSeconds: 0 }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
}

/**
 * In the foreground the container's cgroup is `<scope>/container`; runc removes that, but
 * in v1 hierarchies systemd does not manage (cpuset, freezer, ...) it also created the
 * scope's directory, which nobody removes: rmdir it (an empty cgroup only; the
 * systemd-owned ones are left to systemd).
 */
async function removeRuntimeCgroupParents(engine: Engine, id: string): Promise<void> {
  const slice = engine.paths.rootless ? 'user.slice' : 'machine.slice';
  const hierarchies = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  await Promise.all(
    hierarchies
      .filter((h) => h !== 'systemd' && h !== 'unified')
      .map((h) => rmdir(`/sys/fs/cgroup/${h}/${slice}/${containerScope(id)}`).catch(() => undefined)),
  );
}

export async function readExitFile(engine: Engine, id: string): Promise<number | undefined> {
  try {
    const text = await readFile(engine.containerPaths(id).exitFile, 'utf8');
    const code = Number.parseInt(text.trim(), 10);
    return Number.isNaN(code) ? undefined : code;
  } catch {
    return undefined;
  }
}

/**
 * The scope's memory cgroup counts OOM kills: cgroup v2 memory.events, hierarchically;
 * cgroup v1 memory.oom_control's oom_kill, only for kills in that very cgroup. In the
 * foreground the container is runc's child cgroup `<scope>/container`, which has the
 * same limit and is gone (runc removed it) by now: on v1 a kill counted there left the
 * scope's count at 0 (seen in CI), so there a 0 proves nothing.
 */
async function wasOomKilled(engine: Engine, id: string, foreground: boolean): Promise<boolean> {
  const slice = engine.paths.rootless ? 'user.slice' : 'machine.slice';
  const counters = [
    { file: `/sys/fs/cgroup/memory/${slice}/${containerScope(id)}/memory.oom_control`, hierarchical: false },
    { file: `/sys/fs/cgroup/${slice}/${containerScope(id)}/memory.events`, hierarchical: true },
  ];
  for (const { file, hierarchical } of counters) {
    try {
      const match = /oom_kill (\d+)/.exec(await readFile(file, 'utf8'));
      if (match) return Number(match[1]) > 0 || (foreground && !hierarchical);
    } catch {
      // the scope is already gone, or this layout has no such file
    }
  }
  return true; // exit 137 under a memory limit: the kernel's OOM killer is the likely cause
}
