import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { ConflictError } from '../../src/errors.js';
import { syncContainer } from '../../src/containers/sync.js';

export default class Pause extends BaseCommand<typeof Pause> {
  static override aliases = ['pause'];
  static override strict = false;
  static override description = 'Pause all processes in one or more containers (cgroup freezer)';
  static override examples = ['tpod pause web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID (several allowed)' }) };

  async run(): Promise<void> {
    await reportEach(this, this.positionals, async (target) => {
      const container = (await syncContainer(this.engine, this.engine.containers.get(target)))!;
      if (container.state !== 'running') throw new ConflictError(`"${container.name}" is not running, can't pause: container state improper`);
      await this.engine.runtime(container.config.runtime).pause(container.id);
      this.engine.containers.setState(container.id, 'paused');
      this.log(container.id);
    });
  }
}
