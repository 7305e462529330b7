import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { waitForContainer } from '../../src/containers/wait.js';

export default class Wait extends BaseCommand<typeof Wait> {
  static override aliases = ['wait'];
  static override strict = false;
  static override description = 'Wait for containers to exit and print their exit codes';
  static override examples = ['tpod wait web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID (several allowed)' }) };

  async run(): Promise<void> {
    await reportEach(this, this.positionals, async (target) => this.log(String(await waitForContainer(this.engine, target))));
  }
}
