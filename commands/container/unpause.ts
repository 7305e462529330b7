import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { ConflictError } from '../../src/errors.js';
import { syncContainer } from '../../src/containers/sync.js';

export default class Unpause extends BaseCommand<typeof Unpause> {
  static override aliases = ['unpause'];
  static override strict = false;
  static override description = 'Unpause all processes in one or more containers (cgroup freezer)';
  static override examples = ['tpod unpause web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID (several allowed)' }) };

  async run(): Promise<void> {
    await reportEach(this, this.positionals, async (target) => {
      const container = (await syncContainer(this.engine, this.engine.containers.get(target)))!;
      if (container.state !== 'paused') throw new ConflictError(`"${container.name}" is not paused, can't unpause: container state improper`);
      await this.engine.runtime(container.config.runtime).resume(container.id);
      this.engine.containers.setState(container.id, 'running');
      this.log(container.id);
    });
  }
}
