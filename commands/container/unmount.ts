import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { ConflictError } from '../../src/errors.js';

export default class Unmount extends BaseCommand<typeof Unmount> {
  static override aliases = ['unmount', 'umount'];
  static override description = "Unmount a container's root filesystem (not while it runs)";
  static override examples = ['tpod unmount web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }) };

  async run(): Promise<void> {
    const container = this.engine.containers.get(this.args.container);
    if (container.state === 'running' || container.state === 'paused') throw new ConflictError(`container ${container.name} is running: its root filesystem stays mounted`);
    await this.engine.snapshots(container.config.storageDriver).unmount(container.id);
    this.log(container.id);
  }
}
