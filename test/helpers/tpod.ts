/**
 * Running the real `bin/tpod` from tests as a user does (a separate process), each test
 * with its own temporary store, so tests never share state and leaks are visible.
 * Asserting exit codes is the caller's job (or use tpodOk).
 *
 *   const store = tempStore();  after(() => store.remove());
 *   const { code, stdout, stderr } = await runTpod(['pull', fixtureRef('busybox')], { store });
 *   const out = await tpodOk(['images', '--format', 'json'], { store });   // throws unless 0
 *
 * The store reaches tpod through TPOD_ROOT / TPOD_RUNROOT, not appended --root/--runroot:
 * oclif takes flags only after the command words, and for `run IMAGE CMD...` everything
 * after the image belongs to the container. To test the flags, put store.flags in args.
 * The caller's own TPOD_* variables (except TPOD_TEST_*) are dropped so a developer's
 * environment (TPOD_LOG_LEVEL=debug, TPOD_ROOT=...) never changes a result.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { tpodBin } from './paths.js';

export { tempDir, tempStore, mountsBelow, type TempDir, type TempStore } from './store.js';

/** The launcher (bin/tpod); spawned directly, so its shebang is exercised too. */
export const TPOD_BIN = tpodBin;

export interface TpodResult {
  /** Exit status; 128 + signal number when killed by a signal (as a shell reports it). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  /** A store from tempStore() (only root and runroot are used). */
  store?: { root: string; runroot: string };
  /** Override the store's root / runroot (or set them without a store). */
  root?: string;
  runroot?: string;
  /** Extra environment, wins over the inherited one; an undefined value deletes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed. Without it stdin is /dev/null. */
  input?: string | Buffer;
  cwd?: string;
  /** SIGKILL and reject (with the output so far) after this long; default 60 s. */
  timeoutMs?: number;
}

/** The environment tpod gets for these options. */
export function tpodEnv(options: RunOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('TPOD_') && !k.startsWith('TPOD_TEST_')) continue;
    env[k] = v;
  }
  const root = options.root ?? options.store?.root;
  const runroot = options.runroot ?? options.store?.runroot;
  if (root) env.TPOD_ROOT = root;
  if (runroot) env.TPOD_RUNROOT = runroot;
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runTpod(args: string[], options: RunOptions = {}): Promise<TpodResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(TPOD_BIN, args, {
      cwd: options.cwd,
      env: tpodEnv(options),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new Error(`tpod ${args.join(' ')}: still running after ${timeoutMs} ms, killed\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      resolve({
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
        signal,
        stdout,
        stderr,
        durationMs: Date.now() - started,
      });
    });
    if (options.input !== undefined && child.stdin) {
      // A command that exits without reading stdin must not fail the write (EPIPE).
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

/** runTpod that throws (with stdout and stderr) unless tpod exits 0; returns stdout. */
export async function tpodOk(args: string[], options: RunOptions = {}): Promise<string> {
  const r = await runTpod(args, options);
  if (r.code !== 0) {
    throw new Error(`tpod ${args.join(' ')} exited ${r.code}${r.signal ? ` (${r.signal})` : ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r.stdout;
}
