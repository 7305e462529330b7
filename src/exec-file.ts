/**
 * `execFile` as a promise, for the modules that run system tools (mount, runc, ps, tar…).
 * One shared wrapper made on first call: a module-level `promisify(execFile)` in each of
 * them read `execFile` while loading, which in the bundle loads node:child_process (with
 * net, dgram and streams) on every command, even `ps` and `images` that spawn nothing
 * (scripts/bundle.mjs makes child_process load on first use).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

type ExecFileAsync = typeof execFile.__promisify__;

let promisified: ExecFileAsync | undefined;

export const execFileAsync = ((...args: unknown[]): unknown => {
  promisified ??= promisify(execFile);
  return (promisified as (...a: unknown[]) => unknown)(...args);
}) as ExecFileAsync;
