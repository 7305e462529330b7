import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { pullFlags, pullOptionsFromFlags } from '../cli/pull-flags.js';
import { withPullProgress } from '../cli/pull-progress.js';
import { pullImage } from '../src/images/pull.js';

export default class Pull extends BaseCommand<typeof Pull> {
  static override description = 'Pull an image from a registry (or an OCI layout: oci:DIR[:TAG])';
  static override examples = [
    'tpod pull busybox',
    'tpod pull --tls-verify=false 127.0.0.1:5000/library/busybox:latest',
    'tpod pull --platform linux/arm64 docker.io/library/alpine',
    'tpod pull oci:/tmp/layout:busybox',
  ];
  static override args = { image: Args.string({ required: true, description: 'image reference' }) };
  static override flags = {
    ...pullFlags,
    quiet: Flags.boolean({ char: 'q', description: 'print only the image ID' }),
  };

  async run(): Promise<void> {
    const options = pullOptionsFromFlags(this.flags);
    const image = await withPullProgress(this.flags.quiet, (progress) => pullImage(this.engine, this.args.image, { ...options, ...(progress ? { progress } : {}) }));
    this.log(image.id);
  }
}
