/**
 * Where a container's files live. Persistent (under --root, survives reboot): the bundle,
 * the generated /etc files, the log, and the snapshot (src/snapshots). Volatile (under
 * --runroot, gone at reboot like the processes they describe): conmon's pid files, the
 * exit file, attach sockets.
 */
import { join } from 'node:path';

export interface ContainerPaths {
  dir: string;
  bundle: string;
  userdata: string;
  log: string;
  run: string;
  exitDir: string;
  exitFile: string;
  /** The runtime's own messages for a foreground run (`--log`, JSON lines), apart from the container's stderr. */
  runtimeLog: string;
  pidFile: string;
  conmonPidFile: string;
  socketDir: string;
}

export function containerPaths(root: string, runroot: string, id: string): ContainerPaths {
  const dir = join(root, 'containers', id);
  const run = join(runroot, 'containers', id);
  return {
    dir,
    bundle: join(dir, 'bundle'),
    userdata: join(dir, 'userdata'),
    log: join(dir, 'ctr.log'),
    run,
    exitDir: join(run, 'exits'),
    exitFile: join(run, 'exits', id),
    runtimeLog: join(run, 'runtime.log'),
    pidFile: join(run, 'pidfile'),
    conmonPidFile: join(run, 'conmon.pid'),
    socketDir: join(run, 'sock'),
  };
}

/** The transient scope that holds the container's processes; systemd owns its cgroup. */
export function containerScope(id: string): string {
  return `tpod-${id}.scope`;
}

/** conmon's own scope, apart from the container's: pausing or limiting one spares the other. */
export function monitorScope(id: string): string {
  return `tpod-conmon-${id}.scope`;
}
