import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { validateContainerName } from '../../src/containers/ids.js';

export default class Rename extends BaseCommand<typeof Rename> {
  static override aliases = ['rename'];
  static override description = 'Rename a container';
  static override examples = ['tpod rename old_name new_name'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }), name: Args.string({ required: true, description: 'new name' }) };

  async run(): Promise<void> {
    const container = this.engine.containers.get(this.args.container);
    this.engine.containers.rename(container.id, validateContainerName(this.args.name));
  }
}
