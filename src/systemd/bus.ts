/**
 * Finding and connecting to the systemd manager's bus. Root talks to the system manager on
 * the system bus; a rootless user to their own `systemd --user` on the user bus
 * ($XDG_RUNTIME_DIR/bus), so each user's containers are scopes of their own manager, as
 * podman does. Connecting is bounded by a timeout: a bus socket that exists but whose
 * daemon is gone must become a one-line error, not a hang.
 */
import dbus from 'dbus-next';
import { UnavailableError } from '../errors.js';

export type BusKind = 'system' | 'user';

export interface BusEndpoint {
  kind: BusKind;
  address: string;
}

export const DEFAULT_SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';
const CONNECT_TIMEOUT_MS = 5_000;

export function systemdBusEndpoint(rootless: boolean, env: NodeJS.ProcessEnv = process.env): BusEndpoint {
  if (!rootless) return { kind: 'system', address: env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS };
  const address =
    env.DBUS_SESSION_BUS_ADDRESS || (env.XDG_RUNTIME_DIR ? `unix:path=${env.XDG_RUNTIME_DIR}/bus` : '');
  if (!address) {
    throw new UnavailableError('systemd user manager not reachable: XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS are unset', {
      hint: 'log in through a session (or `loginctl enable-linger $USER`) so systemd --user runs',
    });
  }
  return { kind: 'user', address };
}

/** Opens the bus and completes the Hello handshake, or fails with the reason. */
export async function connectBus(endpoint: BusEndpoint, timeoutMs = CONNECT_TIMEOUT_MS): Promise<dbus.MessageBus> {
  const bus = dbus.sessionBus({ busAddress: endpoint.address });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      bus.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      bus.once('error', (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  } catch (err) {
    bus.disconnect();
    throw unreachable(endpoint, err);
  }
  // Later stream errors (the daemon going away) surface as failed calls, not crashes.
  bus.on('error', () => undefined);
  return bus;
}

function unreachable(endpoint: BusEndpoint, err: unknown): UnavailableError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such socket' : code === 'ECONNREFUSED' ? 'connection refused' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  const manager = endpoint.kind === 'system' ? 'systemd' : 'systemd user manager';
  const hint =
    endpoint.kind === 'system'
      ? 'tpod needs a running systemd (PID 1) with D-Bus; is this host booted with systemd?'
      : 'start a user manager: `loginctl enable-linger $USER`, then log in again';
  return new UnavailableError(`${manager} not reachable at ${endpoint.address}: ${reason}`, { cause: err, hint });
}
