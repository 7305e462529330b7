import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { checkCidFile, containerFlags, createCommand, createRequestFromFlags, writeCidFile } from '../../cli/container-flags.js';
import { createContainer } from '../../src/containers/create.js';

export default class Create extends BaseCommand<typeof Create> {
  static override aliases = ['create'];
  static override strict = false;
  static override description = 'Create a container from an image without starting it';
  static override examples = ['tpod create --name web busybox httpd -f -p 8080', 'tpod create -it busybox sh'];
  static override args = { image: Args.string({ required: true, description: 'image name or ID' }), command: Args.string({ description: 'command and arguments' }) };
  static override flags = containerFlags;

  async run(): Promise<void> {
    const [image, ...command] = this.positionals;
    const request = createRequestFromFlags(this.flags, image!, command, createCommand());
    checkCidFile(this.flags.cidfile);
    const container = await createContainer(this.engine, request);
    writeCidFile(this.flags.cidfile, container.id);
    this.log(container.id);
  }
}
