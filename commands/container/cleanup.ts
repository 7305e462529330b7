import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { cleanupContainer } from '../../src/containers/cleanup.js';

export default class Cleanup extends BaseCommand<typeof Cleanup> {
  static override hidden = true;
  static override description = 'Record the exit of a container and release its resources (run by the monitor)';
  static override examples = ['tpod container cleanup 3f57d9401f8d'];
  static override args = { container: Args.string({ required: true, description: 'container ID' }) };

  async run(): Promise<void> {
    await cleanupContainer(this.engine, this.args.container);
  }
}
