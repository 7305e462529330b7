import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { containerOfCopy, copyFiles } from '../../src/containers/cp.js';

export default class Copy extends BaseCommand<typeof Copy> {
  static override aliases = ['cp'];
  static override description = 'Copy files between a container and the host';
  static override examples = ['tpod cp web:/etc/hostname ./hostname', 'tpod cp ./config.txt web:/etc/app/', 'tpod cp web:/var/log - | tar -t', 'tar -c conf | tpod cp - web:/etc/app'];
  static override args = {
    source: Args.string({ required: true, description: 'CONTAINER:PATH, a host path, or - for a tar stream on stdin' }),
    destination: Args.string({ required: true, description: 'CONTAINER:PATH, a host path, or - for a tar stream on stdout' }),
  };

  async run(): Promise<void> {
    await this.rerunForContainerFiles(containerOfCopy(this.engine, this.args.source, this.args.destination));
    await copyFiles(this.engine, this.args.source, this.args.destination, { stdin: process.stdin, stdout: process.stdout });
  }
}
