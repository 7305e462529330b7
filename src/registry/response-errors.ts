/**
 * Registry answers that are not the one asked for, as typed errors. The distribution spec
 * ("Error Codes") puts a JSON body on 4xx/5xx: `{"errors":[{"code":"MANIFEST_UNKNOWN",
 * "message":"manifest unknown","detail":…}]}`; tpod shows the status and the first message
 * on one line, and picks the kind from the status and the code.
 */
import {
  CorruptError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  TpodError,
  UnavailableError,
} from '../errors.js';

export interface RegistryErrorDetail {
  code: string;
  message: string;
}

/** What the failed request was about, for the message. */
export interface ErrorContext {
  /** The registry host as the user named it, e.g. `127.0.0.1:5000` or `docker.io`. */
  host: string;
  /** The object, e.g. `manifest 127.0.0.1:5000/library/busybox:latest`. */
  subject: string;
  /** Whether credentials were sent: decides between "failed" and "required" hints. */
  hadCredentials: boolean;
}

/** The spec's error list from a response body; empty if the body is not that JSON. */
export function parseErrorBody(body: string): RegistryErrorDetail[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [];
  }
  const errors = (value as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: unknown) => {
    const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code !== 'string') return [];
    return [{ code, message: typeof message === 'string' ? message : code.toLowerCase() }];
  });
}

/** `401 Unauthorized: authentication required`, one line, bounded length. */
export function describeStatus(status: number, statusText: string, body: string): string {
  const first = parseErrorBody(body)[0];
  const plain = body.trim().startsWith('<') ? '' : body.trim();
  const said = first?.message ?? plain;
  const head = `${status}${statusText ? ` ${statusText}` : ''}`;
  return oneLine(said ? `${head}: ${said}` : head);
}

/**
 * The typed error for an unexpected status. 401 and 403 are permission problems, 404 and
 * the *_UNKNOWN codes are not-found, 400 with *_INVALID codes is bad input, 5xx and 429
 * mean the registry cannot serve now.
 */
export function registryResponseError(
  status: number,
  statusText: string,
  body: string,
  context: ErrorContext,
): TpodError {
  const description = describeStatus(status, statusText, body);
  const codes = parseErrorBody(body).map((e) => e.code);
  if (status === 401) {
    return new PermissionDeniedError(`authentication to ${context.host} failed: ${description}`, {
      hint: context.hadCredentials
        ? `check the credentials with tpod login ${context.host}`
        : `log in first: tpod login ${context.host}`,
    });
  }
  if (status === 403) return new PermissionDeniedError(`access to ${context.subject} denied: ${description}`);
  if (status === 404 || codes.some((c) => c.endsWith('_UNKNOWN'))) {
    return new NotFoundError(`${context.subject} not found: ${description}`);
  }
  if (codes.includes('DIGEST_INVALID') || codes.includes('SIZE_INVALID')) {
    return new CorruptError(`${context.subject} rejected by ${context.host}: ${description}`);
  }
  if (status === 429 || status >= 500) {
    return new UnavailableError(`registry ${context.host} cannot serve ${context.subject}: ${description}`);
  }
  return new InvalidArgumentError(`${context.subject} refused by ${context.host}: ${description}`);
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
