/** systemd's D-Bus error names become tpod's typed errors, with systemd's own text kept. */
import dbus from 'dbus-next';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, PermissionDeniedError, UnavailableError } from '../errors.js';

const BY_NAME: Record<string, (text: string, cause: unknown) => Error> = {
  'org.freedesktop.systemd1.UnitExists': (text, cause) => new AlreadyExistsError(`unit exists: ${text}`, { cause }),
  'org.freedesktop.systemd1.NoSuchUnit': (text, cause) => new NotFoundError(`no such unit: ${text}`, { cause }),
  'org.freedesktop.systemd1.NoSuchProcess': (text, cause) => new NotFoundError(`no such process: ${text}`, { cause }),
  'org.freedesktop.DBus.Error.InvalidArgs': (text, cause) => new InvalidArgumentError(`systemd refused the request: ${text}`, { cause }),
  'org.freedesktop.DBus.Error.AccessDenied': (text, cause) => new PermissionDeniedError(`systemd denied access: ${text}`, { cause }),
  'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired': (text, cause) =>
    new PermissionDeniedError(`systemd requires authorization: ${text}`, { cause }),
};

export function translateDbusError(err: unknown, what: string): unknown {
  if (!(err instanceof dbus.DBusError)) return err;
  const make = BY_NAME[err.type];
  if (make) return make(err.text || what, err);
  return new UnavailableError(`systemd failed ${what}: ${err.text || err.type}`, { cause: err });
}
