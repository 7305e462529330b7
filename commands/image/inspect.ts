import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { getLocalImage } from '../../src/images/lookup.js';
import { imageInspect } from '../../src/images/report.js';
import { renderFormatted } from '../../src/ui/output.js';

export default class ImageInspect extends BaseCommand<typeof ImageInspect> {
  static override strict = false;
  static override description = 'Display the configuration of one or more images as JSON';
  static override examples = ['tpod image inspect busybox', "tpod image inspect --format '{{.Config.Cmd}}' busybox"];
  static override args = { image: Args.string({ required: true, description: 'image name or ID (several allowed)' }) };
  static override flags = { format: Flags.string({ char: 'f', description: 'json (default) or a Go template' }) };

  async run(): Promise<void> {
    const reports = this.positionals.map((input) => imageInspect(getLocalImage(this.engine, input)));
    this.log(renderFormatted(reports, this.flags.format ?? 'json'));
  }
}
