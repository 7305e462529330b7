import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { setPaused } from '../../src/containers/pause.js';

export default class Unpause extends BaseCommand<typeof Unpause> {
  static override aliases = ['unpause'];
  static override strict = false;
  static override description = 'Unpause all processes in one or more containers (cgroup freezer)';
  static override examples = ['tpod unpause web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID (several allowed)' }) };

  async run(): Promise<void> {
    await reportEach(this, this.positionals, async (target) => this.log(await setPaused(this.engine, target, false)));
  }
}
