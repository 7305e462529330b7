import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { InvalidArgumentError } from '../src/errors.js';
import { ARCHIVE_FORMATS, saveImages } from '../src/images/save.js';

export default class Save extends BaseCommand<typeof Save> {
  static override aliases = ['image:save'];
  static override strict = false;
  static override description = 'Save images to an archive (docker-archive by default, or oci-archive)';
  static override examples = [
    'tpod save -o busybox.tar busybox',
    'tpod save --format oci-archive -o busybox-oci.tar busybox',
    'tpod save busybox alpine | gzip > images.tar.gz',
  ];
  static override args = { image: Args.string({ required: true, description: 'image name or ID (several allowed)' }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'write to this file (default: stdout, which must not be a terminal)' }),
    format: Flags.option({ options: ARCHIVE_FORMATS, description: 'archive format', default: 'docker-archive' as const })(),
    'multi-image-archive': Flags.boolean({ char: 'm', description: 'accepted for podman compatibility: docker-archive holds several images anyway' }),
    quiet: Flags.boolean({ char: 'q', description: 'print no progress (tpod prints none)' }),
  };

  async run(): Promise<void> {
    const output = this.flags.output;
    if (!output && process.stdout.isTTY) {
      throw new InvalidArgumentError('refusing to save to terminal', { hint: 'use -o FILE or redirect stdout' });
    }
    const out = output ? createWriteStream(output) : process.stdout;
    try {
      await saveImages(this.engine, this.positionals, this.flags.format, out);
    } catch (err) {
      if (output) {
        out.destroy();
        await rm(output, { force: true });
      }
      throw err;
    }
  }
}
