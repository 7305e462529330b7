/**
 * Typed errors for the whole engine, one place (as podman's libpod/define/errors.go and
 * containerd's errdefs): callers test the kind, the CLI renders the message once.
 *
 * Messages follow one style: lower case, no final period, naming the input or path that
 * was wrong, so a user sees what to fix in one line. `hint` is an optional "try this".
 */

export type ErrorKind =
  | 'invalid-argument'
  | 'not-found'
  | 'already-exists'
  | 'conflict'
  | 'unavailable'
  | 'permission-denied'
  | 'corrupt'
  | 'resource-exhausted'
  | 'runtime'
  | 'internal';

export interface TpodErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Process exit status the CLI uses; podman exits 125 for its own errors. */
  exitCode?: number;
}

export class TpodError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(kind: ErrorKind, message: string, options: TpodErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 125;
  }
}

export class InvalidArgumentError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('invalid-argument', message, options);
  }
}

export class NotFoundError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('not-found', message, options);
  }
}

export class AlreadyExistsError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('already-exists', message, options);
  }
}

/** The object is in a state that forbids the operation (running container, image in use). */
export class ConflictError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('conflict', message, options);
  }
}

/** A service tpod depends on (systemd, a registry, the database lock) cannot be reached. */
export class UnavailableError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('unavailable', message, options);
  }
}

export class PermissionDeniedError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('permission-denied', message, options);
  }
}

/** Stored or received data is damaged: a malformed database, a digest mismatch. */
export class CorruptError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('corrupt', message, options);
  }
}

/** Disk full, quota, too many open files. */
export class ResourceExhaustedError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('resource-exhausted', message, options);
  }
}

/** The OCI runtime (runc, crun) refused or failed; message carries the runtime's own words. */
export class RuntimeError extends TpodError {
  constructor(message: string, options?: TpodErrorOptions) {
    super('runtime', message, options);
  }
}

export function isTpodError(err: unknown): err is TpodError {
  return err instanceof TpodError;
}

/** errno codes that mean "the disk is full" wherever they surface. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Turns a Node system error into a typed one where the kind is clear, so a full disk or a
 * permission problem reads the same whichever module hit it.
 */
export function fromSystemError(err: unknown, what: string): unknown {
  if (isTpodError(err) || !(err instanceof Error)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code && DISK_FULL_CODES.has(code)) {
    return new ResourceExhaustedError(`no space left on device while ${what}`, { cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new PermissionDeniedError(`permission denied while ${what}: ${err.message}`, { cause: err });
  }
  if (code === 'ENOENT') {
    return new NotFoundError(`${what}: ${err.message}`, { cause: err });
  }
  return err;
}
