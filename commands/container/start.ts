import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { runForeground, startDetached } from '../../src/containers/start.js';
import { syncContainer } from '../../src/containers/sync.js';
import { filterContainers } from '../../src/containers/filter.js';
import { InvalidArgumentError } from '../../src/errors.js';

export default class Start extends BaseCommand<typeof Start> {
  static override aliases = ['start'];
  static override strict = false;
  static override description = 'Start one or more containers';
  static override examples = ['tpod start web', 'tpod start -a mybox'];
  static override args = { container: Args.string({ required: false, description: 'container name or ID (several allowed)' }) };
  static override flags = {
    attach: Flags.boolean({ char: 'a', description: 'attach to the container\'s output and wait for it' }),
    all: Flags.boolean({ description: 'start all containers that are not running (tpod-restart.service: with --filter restart-policy=always)' }),
    filter: Flags.string({ char: 'f', multiple: true, multipleNonGreedy: true, description: 'with --all, only containers matching: restart-policy=, status=, name=, id=, ancestor=' }),
  };

  async run(): Promise<void> {
    if (this.flags.attach) {
      const container = this.engine.containers.get(this.positionals[0]!);
      this.exit(await runForeground(this.engine, container, { stdout: process.stdout, stderr: process.stderr }));
    }
    if (!this.flags.all && this.positionals.length === 0) throw new InvalidArgumentError('start needs a container name or ID, or --all');
    const targets = this.flags.all ? filterContainers(this.engine.containers.list(), this.flags.filter ?? []).map((c) => c.id) : this.positionals;
    await reportEach(this, targets, async (target) => {
      const container = (await syncContainer(this.engine, this.engine.containers.get(target)))!;
      if (container.state !== 'running' && container.state !== 'paused') await startDetached(this.engine, container);
      this.log(target);
    });
  }
}
