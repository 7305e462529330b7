import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { pruneContainers } from '../../src/containers/prune.js';

export default class Prune extends BaseCommand<typeof Prune> {
  static override description = 'Remove all stopped containers (and repair what interrupted commands left behind)';
  static override examples = ['tpod container prune -f'];
  static override flags = { force: Flags.boolean({ char: 'f', description: 'do not ask for confirmation (tpod never asks)' }) };

  async run(): Promise<void> {
    for (const id of await pruneContainers(this.engine)) this.log(id);
  }
}
