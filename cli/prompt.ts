/**
 * Reading what a command needs from its user: a secret piped on stdin (`--password-stdin`),
 * or a line typed at the terminal (a username, a password not echoed, a y/N answer).
 */
import { createInterface } from 'node:readline';

/** All of stdin, without the one trailing newline `echo` adds (podman strips it too). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * One line from stdin after printing `question` on stderr; undefined at end of input.
 * `secret`: the terminal does not echo what is typed.
 */
export async function promptLine(question: string, secret = false): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
  if (secret && process.stdin.isTTY) {
    // readline echoes through _writeToOutput; printing nothing hides the password.
    const internals = rl as unknown as { _writeToOutput: (text: string) => void };
    let prompted = false;
    internals._writeToOutput = (text: string) => {
      if (!prompted) process.stderr.write(text);
      prompted = true;
    };
  }
  try {
    return await new Promise<string | undefined>((resolve) => {
      rl.once('close', () => resolve(undefined));
      rl.question(question, (answer) => resolve(answer));
    });
  } finally {
    if (secret && process.stdin.isTTY) process.stderr.write('\n');
    rl.close();
  }
}

/** podman's confirmation: only y or yes (any case) proceeds; end of input is no. */
export async function confirm(question: string): Promise<boolean> {
  const answer = await promptLine(`${question} [y/N] `);
  return /^y(es)?$/i.test((answer ?? '').trim());
}
