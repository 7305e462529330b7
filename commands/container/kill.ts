import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { ConflictError } from '../../src/errors.js';
import { syncContainer } from '../../src/containers/sync.js';

export default class Kill extends BaseCommand<typeof Kill> {
  static override aliases = ['kill'];
  static override strict = false;
  static override description = 'Send a signal to the main process of one or more containers';
  static override examples = ['tpod kill web', 'tpod kill -s HUP web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID (several allowed)' }) };
  static override flags = { signal: Flags.string({ char: 's', description: 'signal name or number', default: 'KILL' }) };

  async run(): Promise<void> {
    await reportEach(this, this.positionals, async (target) => {
      const container = (await syncContainer(this.engine, this.engine.containers.get(target)))!;
      if (container.state !== 'running' && container.state !== 'paused') {
        throw new ConflictError(`can only kill running containers. ${container.id.slice(0, 12)} is in state ${container.state}: container state improper`);
      }
      await this.engine.containerRuntime(container).kill(container.id, this.flags.signal.replace(/^SIG/, ''));
      this.log(target);
    });
  }
}
