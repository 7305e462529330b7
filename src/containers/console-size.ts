/**
 * The container's terminal starts at the size of the user's. Without process.consoleSize
 * the runtime's pty is 0x0 until runc's first resize, which happens only after the command
 * has started: a quick `stty size` (or a full-screen program drawing its first screen)
 * loses that race. runc applies consoleSize in the container before exec (runc#1275).
 */
import { writeBundle } from '../spec/index.js';
import type { PreparedBundle } from './bundle.js';

/** Records the terminal's current size in the bundle; a no-op when it is not a terminal. */
export async function recordConsoleSize(bundle: PreparedBundle, terminal: NodeJS.WriteStream): Promise<void> {
  if (!terminal.isTTY) return;
  const [width, height] = terminal.getWindowSize();
  if (!width || !height) return;
  bundle.spec.process.consoleSize = { height, width };
  await writeBundle(bundle.dir, bundle.spec);
}
