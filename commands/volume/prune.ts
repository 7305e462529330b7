import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { pruneVolumes } from '../../src/volumes/store.js';

export default class VolumePrune extends BaseCommand<typeof VolumePrune> {
  static override description = 'Remove all volumes no container uses';
  static override examples = ['tpod volume prune -f'];
  static override flags = { force: Flags.boolean({ char: 'f', description: 'do not ask for confirmation (tpod never asks)' }) };

  async run(): Promise<void> {
    for (const name of await pruneVolumes(this.engine)) this.log(name);
  }
}
