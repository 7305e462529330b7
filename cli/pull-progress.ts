/**
 * Pull progress on stderr, as podman prints it when not on a terminal: one line per step
 * ("Copying blob sha256:…"), so logs and CI output stay readable. `-q` prints nothing.
 */
import type { PullProgress } from '../src/images/pull.js';

export function plainPullProgress(write: (line: string) => void): PullProgress {
  return {
    trying: (name) => write(`Trying to pull ${name}...`),
    blob: (descriptor, state) => {
      if (state === 'exists') write(`Copying blob ${descriptor.digest.slice(7, 19)} skipped: already exists`);
      if (state === 'done') write(`Copying blob ${descriptor.digest.slice(7, 19)} done`);
    },
    config: (digest) => write(`Copying config ${digest.slice(7, 19)} done`),
    writing: () => write('Writing manifest to image destination'),
  };
}
