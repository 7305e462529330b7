/**
 * Commands over several targets (rm a b c) act on each, print each failure as its own
 * `Error: …` line, and exit non-zero if any failed, as podman does; one bad name does not
 * stop the others.
 */
import type { Command } from '@oclif/core';
import { isTpodError } from '../src/errors.js';

export async function reportEach<T>(command: Command, items: T[], act: (item: T) => Promise<void>): Promise<void> {
  let failed = 0;
  let exitCode = 125;
  for (const item of items) {
    try {
      await act(item);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      failed++;
      if (isTpodError(err)) exitCode = err.exitCode;
      if (failed < items.length || items.length > 1) {
        process.stderr.write(`Error: ${err.message}\n`);
        continue;
      }
      throw err;
    }
  }
  if (failed > 0) command.exit(exitCode);
}
