/**
 * tpod on a pseudo-terminal, as a user at a terminal runs it: util-linux `script` opens a
 * pty pair, runs the command on the slave side and copies our pipe to the master, so what
 * the test writes is typed at the terminal (`\x03` is Ctrl-C) and `script -e` exits with
 * the command's status. Node has no pty of its own; this needs nothing but script(1).
 *
 *   const session = ptyTpod(['run', '-it', '--rm', 'busybox', 'sh'], { store, rows: 33, cols: 77 });
 *   await session.waitFor(/# $/);
 *   session.type('exit 4\r');
 *   assert.equal((await session.exited).code, 4);
 */
import { spawn } from 'node:child_process';
import { TPOD_BIN, tpodEnv, type RunOptions } from './tpod.js';

export interface PtySession {
  /** Everything the terminal showed so far (the pty turns \n into \r\n). */
  readonly output: string;
  /** Types text at the terminal. */
  type(text: string): void;
  /** Resolves once the output matches; fails with the output after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** script's exit status (the command's, through -e) and the whole output. */
  exited: Promise<{ code: number; output: string }>;
}

export interface PtyOptions extends Pick<RunOptions, 'store' | 'env'> {
  /** The terminal's size, set with stty before tpod starts. */
  rows?: number;
  cols?: number;
  /** SIGKILL script and fail after this long; default 60 s. */
  timeoutMs?: number;
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** Runs `tpod ARGS` on a fresh pseudo-terminal. */
export function ptyTpod(args: string[], options: PtyOptions = {}): PtySession {
  const size = options.rows && options.cols ? `stty rows ${options.rows} cols ${options.cols}; ` : '';
  const command = `${size}exec ${[TPOD_BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: tpodEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let closed = false;
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.stdin.on('error', () => {});
  const timeoutMs = options.timeoutMs ?? 60_000;
  const exited = new Promise<{ code: number; output: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tpod ${args.join(' ')} on a pty: still running after ${timeoutMs} ms\noutput: ${JSON.stringify(output)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      closed = true;
      child.stdin.destroy();
      for (const wake of waiters) wake();
      resolve({ code: code ?? -1, output });
    });
  });
  return {
    get output() {
      return output;
    },
    type(text) {
      child.stdin.write(text);
    },
    waitFor(pattern, waitMs = 20_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${waitMs} ms waiting for ${pattern} on the terminal\noutput: ${JSON.stringify(output)}`));
        }, waitMs);
        const check = (): void => {
          const match = pattern.exec(output);
          if (!match && !closed) return;
          clearTimeout(deadline);
          waiters.delete(check);
          if (match) resolve(match[0]);
          else reject(new Error(`the terminal closed before ${pattern} appeared\noutput: ${JSON.stringify(output)}`));
        };
        waiters.add(check);
        check();
      });
    },
    exited,
  };
}
