import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { plainPullProgress } from '../cli/pull-progress.js';
import { InvalidArgumentError, fromSystemError } from '../src/errors.js';
import { loadImages } from '../src/images/load.js';

export default class Load extends BaseCommand<typeof Load> {
  static override aliases = ['image:load'];
  static override description = 'Load images from a docker-archive or oci-archive (plain or gzip-compressed)';
  static override examples = ['tpod load -i busybox.tar', 'tpod load < busybox-oci.tar', 'gunzip -c images.tar.gz | tpod load -q'];
  static override flags = {
    input: Flags.string({ char: 'i', description: 'read from this file (default: stdin)' }),
    quiet: Flags.boolean({ char: 'q', description: 'print only the names (or IDs) loaded' }),
  };

  async run(): Promise<void> {
    const file = this.flags.input;
    if (!file && process.stdin.isTTY) {
      throw new InvalidArgumentError('cannot read from terminal', { hint: 'use command-line redirection or the --input flag' });
    }
    if (file) await access(file).catch((err: unknown) => Promise.reject(fromSystemError(err, `opening ${file}`)));
    const input = file ? createReadStream(file) : process.stdin;
    const progress = this.flags.quiet ? undefined : plainPullProgress((line) => process.stderr.write(`${line}\n`));
    const loaded = await loadImages(this.engine, input, { label: file ?? 'stdin', ...(progress ? { progress } : {}) });
    for (const { image, names } of loaded) {
      if (names.length === 0) this.log(`Loaded image: sha256:${image.id}`);
      for (const name of names) this.log(`Loaded image: ${name}`);
    }
  }
}
