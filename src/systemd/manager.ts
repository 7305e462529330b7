/**
 * A client of the systemd manager (org.freedesktop.systemd1.Manager) over D-Bus: start a
 * transient scope around running PIDs, read a unit's state, stop or kill it.
 *
 * Calls are raw method calls with explicit signatures, not introspected proxies: a proxy
 * costs one extra round trip per object, and every tpod command is a fresh process.
 * Jobs are awaited through the JobRemoved signal; the subscription is made before the
 * job is queued, because a scope's start job can finish before the call returns.
 */
import dbus from 'dbus-next';
import { NotFoundError, TpodError, UnavailableError } from '../errors.js';
import { connectBus, systemdBusEndpoint, type BusEndpoint } from './bus.js';
import { translateDbusError } from './errors.js';
import type { UnitProperty } from './properties.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER_PATH = '/org/freedesktop/systemd1';
const MANAGER_IFACE = 'org.freedesktop.systemd1.Manager';
const UNIT_IFACE = 'org.freedesktop.systemd1.Unit';
const PROPERTIES_IFACE = 'org.freedesktop.DBus.Properties';
const JOB_TIMEOUT_MS = 30_000;

export type JobMode = 'fail' | 'replace' | 'ignore-dependencies';

/** A job's result as systemd reports it in JobRemoved: done, canceled, timeout, failed… */
export type JobResult = string;

export interface UnitState {
  name: string;
  /** active, reloading, inactive, failed, activating, deactivating */
  activeState: string;
  subState: string;
  loadState: string;
}

export interface ScopeRequest {
  name: string;
  pids: number[];
  slice?: string;
  description?: string;
  /** Let the payload manage its own sub-cgroups (runc/crun need it). */
  delegate?: boolean;
  properties?: UnitProperty[];
}

export class SystemdManager {
  readonly endpoint: BusEndpoint;
  private readonly bus: dbus.MessageBus;
  private readonly finishedJobs = new Map<string, JobResult>();
  private readonly jobWaiters = new Map<string, (result: JobResult) => void>();
  private subscribed = false;

  private constructor(endpoint: BusEndpoint, bus: dbus.MessageBus) {
    this.endpoint = endpoint;
    this.bus = bus;
  }

  static async connect(endpoint: BusEndpoint): Promise<SystemdManager> {
    return new SystemdManager(endpoint, await connectBus(endpoint));
  }

  /** The manager for this user: system manager as root, user manager rootless. */
  static async forUser(rootless: boolean, env: NodeJS.ProcessEnv = process.env): Promise<SystemdManager> {
    return SystemdManager.connect(systemdBusEndpoint(rootless, env));
  }

  close(): void {
    this.bus.disconnect();
  }

  async version(): Promise<string> {
    return String(await this.getProperty(MANAGER_PATH, MANAGER_IFACE, 'Version'));
  }

  /**
   * Starts `name` (a .scope) around already running PIDs and waits until systemd has
   * moved them into its cgroup. Mode "fail": never replace a unit of the same name.
   */
  async startTransientScope(request: ScopeRequest): Promise<void> {
    const properties: UnitProperty[] = [
      ['PIDs', new dbus.Variant('au', request.pids)],
      ...(request.slice ? [['Slice', new dbus.Variant('s', request.slice)] as UnitProperty] : []),
      ...(request.description ? [['Description', new dbus.Variant('s', request.description)] as UnitProperty] : []),
      ...(request.delegate ? [['Delegate', new dbus.Variant('b', true)] as UnitProperty] : []),
      ...(request.properties ?? []),
    ];
    await this.runJob(`starting ${request.name}`, () =>
      this.callManager('StartTransientUnit', 'ssa(sv)a(sa(sv))', [request.name, 'fail', properties, []]),
    );
  }

  async stopUnit(name: string, mode: JobMode = 'replace'): Promise<JobResult> {
    return this.runJob(`stopping ${name}`, () => this.callManager('StopUnit', 'ss', [name, mode]), { acceptAnyResult: true });
  }

  /** Sends `signal` to the unit's processes (whom: all, main, control) without a job. */
  async killUnit(name: string, signal: number, whom: 'all' | 'main' = 'all'): Promise<void> {
    await this.callManager('KillUnit', 'ssi', [name, whom, signal]);
  }

  /** The unit's state, or undefined when systemd has no such unit loaded (it is gone). */
  async getUnitState(name: string): Promise<UnitState | undefined> {
    let path: string;
    try {
      const reply = await this.callManager('GetUnit', 's', [name]);
      path = reply[0] as string;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    const all = (await this.call(path, PROPERTIES_IFACE, 'GetAll', 's', [UNIT_IFACE]))[0] as Record<string, dbus.Variant>;
    return {
      name,
      activeState: String(all.ActiveState?.value ?? ''),
      subState: String(all.SubState?.value ?? ''),
      loadState: String(all.LoadState?.value ?? ''),
    };
  }

  /** A scope's cgroup path (relative to the cgroup root), or undefined when it is not loaded. */
  async scopeControlGroup(name: string): Promise<string | undefined> {
    let path: string;
    try {
      path = (await this.callManager('GetUnit', 's', [name]))[0] as string;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    return String(await this.getProperty(path, 'org.freedesktop.systemd1.Scope', 'ControlGroup')) || undefined;
  }

  async getProperty(path: string, iface: string, property: string): Promise<unknown> {
    const reply = await this.call(path, PROPERTIES_IFACE, 'Get', 'ss', [iface, property]);
    return (reply[0] as dbus.Variant).value;
  }

  private async callManager(member: string, signature: string, body: unknown[]): Promise<unknown[]> {
    return this.call(MANAGER_PATH, MANAGER_IFACE, member, signature, body);
  }

  private async call(path: string, iface: string, member: string, signature: string, body: unknown[]): Promise<unknown[]> {
    const message = new dbus.Message({ destination: SYSTEMD, path, interface: iface, member, signature, body });
    try {
      const reply = await this.bus.call(message);
      return reply?.body ?? [];
    } catch (err) {
      throw translateDbusError(err, `${member} on ${path}`);
    }
  }

  /** Queues a job with `queue` (which returns the job path) and waits for its result. */
  private async runJob(what: string, queue: () => Promise<unknown[]>, options: { acceptAnyResult?: boolean } = {}): Promise<JobResult> {
    await this.subscribeToJobs();
    const jobPath = (await queue())[0] as string;
    const result = await this.waitForJob(jobPath, what);
    if (!options.acceptAnyResult && result !== 'done') {
      throw new UnavailableError(`systemd job ${what} ended with result "${result}"`);
    }
    return result;
  }

  private waitForJob(jobPath: string, what: string): Promise<JobResult> {
    const finished = this.finishedJobs.get(jobPath);
    if (finished !== undefined) return Promise.resolve(finished);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.jobWaiters.delete(jobPath);
        reject(new UnavailableError(`systemd job ${what} did not finish within ${JOB_TIMEOUT_MS / 1000}s`));
      }, JOB_TIMEOUT_MS);
      this.jobWaiters.set(jobPath, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }

  private async subscribeToJobs(): Promise<void> {
    if (this.subscribed) return;
    this.bus.on('message', (message: dbus.Message) => {
      if (message.member !== 'JobRemoved' || message.interface !== MANAGER_IFACE) return;
      const [, jobPath, , result] = message.body as [number, string, string, string];
      const waiter = this.jobWaiters.get(jobPath);
      if (waiter) {
        this.jobWaiters.delete(jobPath);
        waiter(result);
      } else {
        this.finishedJobs.set(jobPath, result);
      }
    });
    const rule = `type='signal',sender='${SYSTEMD}',path='${MANAGER_PATH}',interface='${MANAGER_IFACE}',member='JobRemoved'`;
    await this.callBusDaemon('AddMatch', 's', [rule]);
    this.subscribed = true;
  }

  private async callBusDaemon(member: string, signature: string, body: unknown[]): Promise<void> {
    const message = new dbus.Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member,
      signature,
      body,
    });
    try {
      await this.bus.call(message);
    } catch (err) {
      throw err instanceof TpodError ? err : translateDbusError(err, member);
    }
  }
}
