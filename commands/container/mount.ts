import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class Mount extends BaseCommand<typeof Mount> {
  static override aliases = ['mount'];
  static override description = "Mount a container's root filesystem and print where";
  static override examples = ['tpod mount web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }) };

  async run(): Promise<void> {
    const container = this.engine.containers.get(this.args.container);
    this.log(await this.engine.snapshots(container.config.storageDriver).mount(container.id));
  }
}
