import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { getLocalImage } from '../src/images/lookup.js';
import { localName } from '../src/images/names.js';

export default class Tag extends BaseCommand<typeof Tag> {
  static override aliases = ['image:tag'];
  static override strict = false;
  static override description = 'Add an additional name to a local image';
  static override examples = ['tpod tag busybox localhost/mybox:1.0', 'tpod tag 3f57d9401f8d registry.example.com/team/app:v2'];
  static override args = {
    image: Args.string({ required: true, description: 'image name or ID' }),
    name: Args.string({ required: true, description: 'new name (several allowed)' }),
  };

  async run(): Promise<void> {
    const image = getLocalImage(this.engine, this.args.image);
    for (const name of this.positionals.slice(1)) this.engine.images.tag(image.id, localName(name));
  }
}
