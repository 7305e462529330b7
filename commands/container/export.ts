import { Args, Flags } from '@oclif/core';
import { createWriteStream } from 'node:fs';
import { BaseCommand } from '../../cli/base-command.js';
import { exportContainer } from '../../src/containers/export.js';
import { InvalidArgumentError } from '../../src/errors.js';

export default class Export extends BaseCommand<typeof Export> {
  static override aliases = ['export'];
  static override description = "Export a container's filesystem as a tar archive";
  static override examples = ['tpod export -o web.tar web', 'tpod export web > web.tar'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }) };
  static override flags = { output: Flags.string({ char: 'o', description: 'write to this file instead of stdout' }) };

  async run(): Promise<void> {
    if (!this.flags.output && process.stdout.isTTY) throw new InvalidArgumentError('refusing to write a tar archive to a terminal: use -o FILE or redirect stdout');
    await this.rerunForContainerFiles(this.engine.containers.get(this.args.container));
    await exportContainer(this.engine, this.args.container, this.flags.output ? createWriteStream(this.flags.output) : process.stdout);
  }
}
