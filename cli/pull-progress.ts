/**
 * Pull progress on stderr, as podman prints it. On a terminal: a listr2 task whose output
 * shows each blob's state, bytes and rate, redrawn in place. Otherwise: one plain line per
 * step ("Copying blob …"), so logs and CI output stay readable. `-q` prints nothing.
 */
import type { PullProgress } from '../src/images/pull.js';
import type { Descriptor } from '../src/oci/types.js';
import { humanSize } from '../src/ui/human.js';

export function plainPullProgress(write: (line: string) => void): PullProgress {
  return {
    trying: (name) => write(`Trying to pull ${name}...`),
    blob: (descriptor, state) => {
      if (state === 'exists') write(`Copying blob ${shortDigest(descriptor)} skipped: already exists`);
      if (state === 'done') write(`Copying blob ${shortDigest(descriptor)} done`);
    },
    config: (digest) => write(`Copying config ${digest.slice(7, 19)} done`),
    writing: () => write('Writing manifest to image destination'),
  };
}

interface BlobLine {
  descriptor: Descriptor;
  state: 'exists' | 'copying' | 'done';
  bytes: number;
  startedAt: number;
}

/** Runs `pull` with the progress a user should see, given -q and whether stderr is a terminal. */
export async function withPullProgress<T>(quiet: boolean, pull: (progress: PullProgress | undefined) => Promise<T>): Promise<T> {
  if (quiet) return pull(undefined);
  if (!process.stderr.isTTY) return pull(plainPullProgress((line) => process.stderr.write(`${line}\n`)));
  // listr2 is loaded only for a terminal: plain and quiet pulls never pay for it.
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  let result: T | undefined;
  const blobs = new Map<string, BlobLine>();
  const list = new Listr(
    [
      {
        title: 'Pulling',
        task: async (_ctx, task) => {
          let lastDraw = 0;
          const draw = (force = false): void => {
            if (!force && Date.now() - lastDraw < 100) return;
            lastDraw = Date.now();
            task.output = [...blobs.values()].map(blobLine).join('\n');
          };
          result = await pull({
            trying: (name) => (task.title = `Pulling ${name}`),
            blob: (descriptor, state, bytes = 0) => {
              const line = blobs.get(descriptor.digest) ?? { descriptor, state, bytes, startedAt: Date.now() };
              blobs.set(descriptor.digest, { ...line, state, bytes: state === 'done' ? descriptor.size : bytes });
              draw(state !== 'copying');
            },
            config: () => draw(true),
            writing: () => (task.title = `${task.title} (writing manifest)`),
          });
          draw(true);
        },
        rendererOptions: { outputBar: Infinity, persistentOutput: true },
      },
    ],
    {
      renderer: 'default',
      registerSignalListeners: false,
      exitOnError: true,
      rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
    },
  );
  await list.run();
  return result as T;
}

function blobLine(line: BlobLine): string {
  const name = `blob ${shortDigest(line.descriptor)}`;
  if (line.state === 'exists') return `${name}  already exists`;
  if (line.state === 'done') return `${name}  done  ${humanSize(line.descriptor.size)}`;
  const seconds = Math.max(0.001, (Date.now() - line.startedAt) / 1000);
  return `${name}  ${humanSize(line.bytes)} / ${humanSize(line.descriptor.size)}  ${humanSize(line.bytes / seconds)}/s`;
}

function shortDigest(descriptor: Descriptor): string {
  return descriptor.digest.slice(7, 19);
}
