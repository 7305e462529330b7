import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { containerFlags, createFromCommandLine } from '../../cli/container-flags.js';

export default class Create extends BaseCommand<typeof Create> {
  static override aliases = ['create'];
  static override strict = false;
  static override description = 'Create a container from an image without starting it';
  static override examples = ['tpod create --name web busybox httpd -f -p 8080', 'tpod create -it busybox sh'];
  static override args = { image: Args.string({ required: true, description: 'image name or ID' }), command: Args.string({ description: 'command and arguments' }) };
  static override flags = containerFlags;

  async run(): Promise<void> {
    const container = await createFromCommandLine(this.engine, this.flags, this.positionals);
    this.log(container.id);
  }
}
