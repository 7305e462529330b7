import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { pruneContainers } from '../../src/containers/prune.js';

export default class Prune extends BaseCommand<typeof Prune> {
  static override description = 'Remove all stopped containers (and repair what interrupted commands left behind)';
  static override examples = ['tpod container prune -f', 'tpod container prune -f --filter label=team=web --filter until=24h'];
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'do not ask for confirmation (tpod never asks)' }),
    filter: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'only containers matching label=KEY[=VALUE], label!=KEY[=VALUE], until=TIME' }),
  };

  async run(): Promise<void> {
    for (const id of await pruneContainers(this.engine, this.flags.filter ?? [])) this.log(id);
  }
}
