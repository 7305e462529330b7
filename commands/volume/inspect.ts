import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { getVolume } from '../../src/volumes/store.js';
import { renderFormatted } from '../../src/ui/output.js';

export default class VolumeInspect extends BaseCommand<typeof VolumeInspect> {
  static override strict = false;
  static override description = 'Display volumes as JSON';
  static override examples = ['tpod volume inspect data', "tpod volume inspect --format '{{.Mountpoint}}' data"];
  static override args = { name: Args.string({ required: true, description: 'volume name (several allowed)' }) };
  static override flags = { format: Flags.string({ char: 'f', description: 'json (default) or a Go template' }) };

  async run(): Promise<void> {
    this.log(renderFormatted(this.positionals.map((name) => getVolume(this.engine, name)), this.flags.format ?? 'json'));
  }
}
