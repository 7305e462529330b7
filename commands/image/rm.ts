import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { removeImage } from '../../src/images/remove.js';
import { reportEach } from '../../cli/report-each.js';

export default class ImageRemove extends BaseCommand<typeof ImageRemove> {
  static override aliases = ['rmi'];
  static override strict = false;
  static override description = 'Remove one or more images from local storage';
  static override examples = ['tpod rmi busybox', 'tpod rmi -f 3f57d9401f8d', 'tpod rmi --all'];
  static override args = { image: Args.string({ required: false, description: 'image name or ID (several allowed)' }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'remove the image even if it has several names or is in use' }),
    all: Flags.boolean({ char: 'a', description: 'remove all images' }),
  };

  async run(): Promise<void> {
    const targets = this.flags.all ? this.engine.images.list().map((image) => image.id) : this.positionals;
    if (targets.length === 0) this.error('image name or ID must be specified', { exit: 125 });
    await reportEach(this, targets, async (target) => {
      const removed = await removeImage(this.engine, target, { force: this.flags.force });
      for (const name of removed.untagged) this.log(`Untagged: ${name}`);
      if (removed.deleted) this.log(`Deleted: ${removed.deleted}`);
    });
  }
}
