import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { copyFiles, parseCopy } from '../../src/containers/cp.js';

export default class Copy extends BaseCommand<typeof Copy> {
  static override aliases = ['cp'];
  static override description = 'Copy files between a container and the host';
  static override examples = ['tpod cp web:/etc/hostname ./hostname', 'tpod cp ./config.txt web:/etc/app/', 'tpod cp web:/var/log - | tar -t', 'tar -c conf | tpod cp - web:/etc/app'];
  static override args = {
    source: Args.string({ required: true, description: 'CONTAINER:PATH, a host path, or - for a tar stream on stdin' }),
    destination: Args.string({ required: true, description: 'CONTAINER:PATH, a host path, or - for a tar stream on stdout' }),
  };

  async run(): Promise<void> {
    const copy = parseCopy(this.engine, this.args.source, this.args.destination);
    await this.rerunForContainerFiles(copy.container);
    await copyFiles(this.engine, copy, { stdin: process.stdin, stdout: process.stdout });
  }
}
