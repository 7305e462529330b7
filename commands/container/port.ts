import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class Port extends BaseCommand<typeof Port> {
  static override aliases = ['port'];
  static override description = 'List port mappings of a container (none until bridge networking lands: -p is not supported yet)';
  static override examples = ['tpod port web'];
  static override args = { container: Args.string({ required: false, description: 'container name or ID' }) };
  static override flags = { all: Flags.boolean({ char: 'a', description: 'all containers' }) };

  async run(): Promise<void> {
    // Only --network none and host exist, so no container has published ports.
    if (this.args.container) this.engine.containers.get(this.args.container);
  }
}
