import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { confirm } from '../../cli/prompt.js';
import { pruneImages } from '../../src/images/prune.js';

export default class ImagePrune extends BaseCommand<typeof ImagePrune> {
  static override description = 'Remove dangling images (no names), or with -a every image no container uses';
  static override examples = ['tpod image prune', 'tpod image prune -f', 'tpod image prune -a -f'];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'remove all images not used by a container, not only dangling ones' }),
    force: Flags.boolean({ char: 'f', description: 'do not ask for confirmation' }),
  };

  async run(): Promise<void> {
    if (!this.flags.force) {
      const what = this.flags.all ? 'all images not used by at least one container' : 'all dangling images';
      if (!(await confirm(`WARNING! This command removes ${what}.\nAre you sure you want to continue?`))) return;
    }
    for (const id of await pruneImages(this.engine, { all: this.flags.all })) this.log(id);
  }
}
