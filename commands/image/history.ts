import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { getLocalImage } from '../../src/images/lookup.js';
import { imageHistory } from '../../src/images/history.js';
import { renderFormatted } from '../../src/ui/output.js';

export default class ImageHistory extends BaseCommand<typeof ImageHistory> {
  static override aliases = ['history'];
  static override description = 'Show the history of an image';
  static override examples = ['tpod image history busybox', 'tpod history --format json busybox'];
  static override args = { image: Args.string({ required: true, description: 'image name or ID' }) };
  static override flags = {
    format: Flags.string({ description: 'json or a Go template' }),
    'no-trunc': Flags.boolean({ description: 'do not truncate the CREATED BY column' }),
    quiet: Flags.boolean({ char: 'q', description: 'print only the IDs' }),
  };

  async run(): Promise<void> {
    const rows = imageHistory(getLocalImage(this.engine, this.args.image), !this.flags['no-trunc']);
    if (this.flags.quiet) return this.log(rows.map((row) => row.ID).join('\n'));
    this.log(renderFormatted(rows, this.flags.format ?? 'table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}'));
  }
}
