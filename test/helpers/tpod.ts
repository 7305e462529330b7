/**
 * Running the real `bin/tpod` from tests, each test with its own temporary store, so tests
 * never share state and leaks are visible. Asserting exit codes is the caller's job.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TPOD_BIN = new URL('../../../bin/tpod', import.meta.url).pathname;

export interface TpodResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TempStore {
  root: string;
  runroot: string;
  /** The global flags pointing tpod at this store. */
  flags: string[];
  remove(): void;
}

export function tempStore(prefix = 'tpod-test-'): TempStore {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const root = join(base, 'root');
  const runroot = join(base, 'run');
  return {
    root,
    runroot,
    flags: ['--root', root, '--runroot', runroot],
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}

export interface RunOptions {
  store?: TempStore;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

export function runTpod(args: string[], options: RunOptions = {}): Promise<TpodResult> {
  const storeFlags = options.store?.flags ?? [];
  // Global flags go after the command words: oclif parses them per command.
  const child = spawn(TPOD_BIN, [...args, ...storeFlags], {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}
