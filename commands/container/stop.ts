import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { ignoringMissing, readCidFiles } from '../../cli/cidfile.js';
import { reportEach } from '../../cli/report-each.js';
import { filterContainers } from '../../src/containers/filter.js';
import { stopContainer } from '../../src/containers/stop.js';

export default class Stop extends BaseCommand<typeof Stop> {
  static override aliases = ['stop'];
  static override strict = false;
  static override description = 'Stop one or more containers: the stop signal, then SIGKILL after the timeout';
  static override examples = ['tpod stop web', 'tpod stop -t 2 web db', 'tpod stop --all'];
  static override args = { container: Args.string({ required: false, description: 'container name or ID (several allowed)' }) };
  static override flags = {
    time: Flags.integer({ char: 't', description: 'seconds to wait before killing (default: the container\'s stop timeout, 10)' }),
    all: Flags.boolean({ char: 'a', description: 'stop all running containers' }),
    cidfile: Flags.string({ multiple: true, description: 'read the container ID from this file (repeatable)' }),
    ignore: Flags.boolean({ char: 'i', description: 'ignore containers that do not exist (and missing --cidfile files)' }),
    filter: Flags.string({ char: 'f', multiple: true, multipleNonGreedy: true, description: 'with --all, only containers matching: restart-policy=, status=, name=, id=, ancestor=' }),
  };

  async run(): Promise<void> {
    const targets = this.flags.all
      ? filterContainers(this.engine.containers.list(), this.flags.filter ?? []).filter((c) => c.state === 'running').map((c) => c.id)
      : [...this.positionals, ...readCidFiles(this.flags.cidfile ?? [], this.flags.ignore)];
    await reportEach(this, targets, (target) =>
      ignoringMissing(this.flags.ignore, async () => {
        await stopContainer(this.engine, target, this.flags.time);
        this.log(target);
      }),
    );
  }
}
