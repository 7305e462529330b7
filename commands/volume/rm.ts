import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { reportEach } from '../../cli/report-each.js';
import { listVolumes, removeVolume } from '../../src/volumes/store.js';

export default class VolumeRemove extends BaseCommand<typeof VolumeRemove> {
  static override strict = false;
  static override description = 'Remove volumes (refused while a container uses one, unless -f removes those containers)';
  static override examples = ['tpod volume rm data', 'tpod volume rm -f data', 'tpod volume rm --all'];
  static override args = { name: Args.string({ required: false, description: 'volume name (several allowed)' }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'remove the containers using the volume too' }),
    all: Flags.boolean({ char: 'a', description: 'remove all volumes' }),
  };

  async run(): Promise<void> {
    const targets = this.flags.all ? listVolumes(this.engine).map((v) => v.Name) : this.positionals;
    await reportEach(this, targets, async (name) => {
      await removeVolume(this.engine, name, { force: this.flags.force });
      this.log(name);
    });
  }
}
