import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { ignoringMissing, readCidFiles } from '../../cli/cidfile.js';
import { reportEach } from '../../cli/report-each.js';
import { removeContainer } from '../../src/containers/remove.js';
import { collectOrphanContainers } from '../../src/containers/orphans.js';

export default class Remove extends BaseCommand<typeof Remove> {
  static override aliases = ['rm'];
  static override strict = false;
  static override description = 'Remove one or more containers';
  static override examples = ['tpod rm web', 'tpod rm -f web', 'tpod rm --all'];
  static override args = { container: Args.string({ required: false, description: 'container name or ID (several allowed)' }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'stop running containers first' }),
    all: Flags.boolean({ char: 'a', description: 'remove all containers' }),
    time: Flags.integer({ char: 't', description: 'seconds to wait for a stop before killing' }),
    cidfile: Flags.string({ multiple: true, description: 'read the container ID from this file (repeatable)' }),
    ignore: Flags.boolean({ char: 'i', description: 'ignore containers that do not exist (and missing --cidfile files)' }),
    volumes: Flags.boolean({ char: 'v', description: 'also remove the container\'s anonymous volumes' }),
  };

  async run(): Promise<void> {
    // Removal asks systemd about leftover scopes: the bus handshake overlaps the stop.
    this.engine.connectSystemdEarly();
    const targets = this.flags.all ? this.engine.containers.list().map((c) => c.id) : [...this.positionals, ...readCidFiles(this.flags.cidfile ?? [], this.flags.ignore)];
    await reportEach(this, targets, (target) =>
      ignoringMissing(this.flags.ignore, async () => {
        await removeContainer(this.engine, target, { force: this.flags.force, volumes: this.flags.volumes, ...(this.flags.time !== undefined ? { timeoutSeconds: this.flags.time } : {}) });
        this.log(target);
      }),
    );
    // What a killed create left without a record (its snapshot may still be mounted).
    if (this.flags.all) await collectOrphanContainers(this.engine);
  }
}
