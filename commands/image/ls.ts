import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { imageRows, type ImageSummaryRow } from '../../src/images/report.js';
import { filterImageRows } from '../../src/images/filter.js';
import { renderFormatted } from '../../src/ui/output.js';

export default class ImageList extends BaseCommand<typeof ImageList> {
  static override aliases = ['images', 'image:list'];
  static override description = 'List images in local storage';
  static override examples = ['tpod images', 'tpod images -q', 'tpod images --format json', "tpod images --filter dangling=true"];
  static override args = { reference: Args.string({ required: false, description: 'only images whose name matches' }) };
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'show all images (tpod keeps no intermediate images)' }),
    quiet: Flags.boolean({ char: 'q', description: 'print only image IDs' }),
    digests: Flags.boolean({ description: 'show digests' }),
    'no-trunc': Flags.boolean({ description: 'do not truncate image IDs' }),
    noheading: Flags.boolean({ char: 'n', description: 'do not print column headings' }),
    format: Flags.string({ description: 'json or a Go template' }),
    filter: Flags.string({ char: 'f', multiple: true, multipleNonGreedy: true, description: 'filter: reference=, dangling=true|false, id=, label=' }),
  };

  async run(): Promise<void> {
    const filters = [...(this.flags.filter ?? []), ...(this.args.reference ? [`reference=${this.args.reference}`] : [])];
    const rows = filterImageRows(this.engine.images.list().flatMap((image) => imageRows(image)), filters);
    if (this.flags.quiet) {
      this.log([...new Set(rows.map((row) => (this.flags['no-trunc'] ? `sha256:${row.Id}` : row.ID)))].join('\n') || '');
      return;
    }
    if (this.flags.format === 'json') {
      this.log(renderFormatted(dedupeById(rows), 'json'));
      return;
    }
    const id = this.flags['no-trunc'] ? '{{.Id}}' : '{{.ID}}';
    const digest = this.flags.digests ? '\t{{.Digest}}' : '';
    const template = this.flags.format ?? `table {{.Repository}}\t{{.Tag}}${digest}\t${id}\t{{.CreatedSince}}\t{{.Size}}`;
    const lines = renderFormatted(rows, template, { ID: 'IMAGE ID', Id: 'IMAGE ID', CreatedSince: 'CREATED' }).split('\n');
    if (this.flags.noheading && template.startsWith('table')) lines.shift();
    if (lines.join('')) this.log(lines.join('\n'));
  }
}

function dedupeById(rows: ImageSummaryRow[]): ImageSummaryRow[] {
  const seen = new Map<string, ImageSummaryRow>();
  for (const row of rows) if (!seen.has(row.Id)) seen.set(row.Id, row);
  return [...seen.values()];
}
