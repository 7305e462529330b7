import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { startDetached } from '../../src/containers/start.js';
import { stopContainer } from '../../src/containers/stop.js';

export default class Restart extends BaseCommand<typeof Restart> {
  static override aliases = ['restart'];
  static override strict = false;
  static override description = 'Stop (if running) and start one or more containers';
  static override examples = ['tpod restart web', 'tpod restart -t 2 web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID (several allowed)' }) };
  static override flags = { time: Flags.integer({ char: 't', description: 'seconds to wait for the stop before killing' }) };

  async run(): Promise<void> {
    await reportEach(this, this.positionals, async (target) => {
      const stopped = await stopContainer(this.engine, target, this.flags.time);
      await startDetached(this.engine, this.engine.containers.get(stopped.id));
      this.log(stopped.id);
    });
  }
}
