import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { parseLabelFlags } from '../../src/labels.js';
import { createVolume } from '../../src/volumes/store.js';

export default class VolumeCreate extends BaseCommand<typeof VolumeCreate> {
  static override description = 'Create a named volume (a directory under the store, bind-mounted into containers)';
  static override examples = ['tpod volume create data', 'tpod volume create --label team=web data'];
  static override args = { name: Args.string({ description: 'volume name (random when omitted)' }) };
  static override flags = {
    label: Flags.string({ char: 'l', multiple: true, multipleNonGreedy: true, description: 'set a label KEY=VALUE' }),
    ignore: Flags.boolean({ description: 'do not fail if the volume exists' }),
  };

  async run(): Promise<void> {
    const labels = parseLabelFlags(this.flags.label ?? []);
    this.log((await createVolume(this.engine, this.args.name, { labels, ignoreExisting: this.flags.ignore })).Name);
  }
}
