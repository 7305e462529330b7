import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { getLocalImage } from '../src/images/lookup.js';
import { localName } from '../src/images/names.js';

export default class Untag extends BaseCommand<typeof Untag> {
  static override aliases = ['image:untag'];
  static override strict = false;
  static override description = 'Remove a name from a local image (all names when none is given)';
  static override examples = ['tpod untag busybox', 'tpod untag 3f57d9401f8d localhost/mybox:1.0'];
  static override args = {
    image: Args.string({ required: true, description: 'image name or ID' }),
    name: Args.string({ required: false, description: 'name to remove (several allowed)' }),
  };

  async run(): Promise<void> {
    const image = getLocalImage(this.engine, this.args.image);
    const names = this.positionals.slice(1);
    if (names.length === 0) {
      this.engine.images.untagAll(image.id);
      return;
    }
    for (const name of names) this.engine.images.untag(image.id, localName(name));
  }
}
