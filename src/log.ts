/**
 * Diagnostic logging to stderr, filtered by --log-level (podman's levels). Output to
 * stdout belongs to the command's result; logs never go there.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let threshold = LOG_LEVELS.indexOf('warn');

export function setLogLevel(level: LogLevel): void {
  threshold = LOG_LEVELS.indexOf(level);
}

export function logLevelEnabled(level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= threshold;
}

function emit(level: LogLevel, message: string): void {
  if (!logLevelEnabled(level)) return;
  const label = level === 'warn' ? 'WARN' : level.toUpperCase();
  process.stderr.write(`${label}[0000] ${message}\n`);
}

export const log = {
  debug: (message: string): void => emit('debug', message),
  info: (message: string): void => emit('info', message),
  warn: (message: string): void => emit('warn', message),
  error: (message: string): void => emit('error', message),
};
