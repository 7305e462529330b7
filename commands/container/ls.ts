import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { psJson, psRow } from '../../src/containers/report.js';
import { syncAll } from '../../src/containers/sync.js';
import { filterContainers } from '../../src/containers/filter.js';
import { renderFormatted } from '../../src/ui/output.js';

export default class List extends BaseCommand<typeof List> {
  static override aliases = ['ps', 'container:list', 'container:ps'];
  static override description = 'List containers (running ones; -a for all)';
  static override examples = ['tpod ps', 'tpod ps -a', 'tpod ps -a --format json', "tpod ps --filter status=exited --format '{{.Names}}'"];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'show all containers, not only running ones' }),
    quiet: Flags.boolean({ char: 'q', description: 'print only container IDs' }),
    latest: Flags.boolean({ char: 'l', description: 'show the latest created container' }),
    last: Flags.integer({ char: 'n', description: 'show the n last created containers' }),
    'no-trunc': Flags.boolean({ description: 'do not truncate output' }),
    noheading: Flags.boolean({ description: 'do not print headings' }),
    format: Flags.string({ description: 'json or a Go template' }),
    filter: Flags.string({ char: 'f', multiple: true, multipleNonGreedy: true, description: 'filter: status=, name=, id=, ancestor=, exited=' }),
  };

  async run(): Promise<void> {
    const records = await syncAll(this.engine, this.engine.containers.list());
    let shown = filterContainers(records, this.flags.filter ?? []);
    if (!this.flags.all && !this.flags.filter?.some((f) => f.startsWith('status=') || f.startsWith('exited='))) shown = shown.filter((c) => c.state === 'running' || c.state === 'paused');
    if (this.flags.latest) shown = shown.slice(0, 1);
    if (this.flags.last !== undefined) shown = shown.slice(0, this.flags.last);
    const imageCmds = new Map<string, string[]>();
    const imageCmd = (c: (typeof shown)[number]): string[] => {
      if (!imageCmds.has(c.imageId)) imageCmds.set(c.imageId, this.engine.images.find(c.imageId)?.config.config?.Cmd ?? []);
      return imageCmds.get(c.imageId)!;
    };
    if (this.flags.quiet) return void (shown.length && this.log(shown.map((c) => (this.flags['no-trunc'] ? c.id : c.id.slice(0, 12))).join('\n')));
    if (this.flags.format === 'json') return this.log(renderFormatted(shown.map((c) => psJson(c, imageCmd(c))), 'json'));
    const rows = shown.map((c) => psRow(c, imageCmd(c)));
    const id = this.flags['no-trunc'] ? '{{.Id}}' : '{{.ID}}';
    const command = this.flags['no-trunc'] ? '{{.Command}}' : '{{truncate .Command 20}}';
    const template = this.flags.format ?? `table ${id}\t{{.Image}}\t${command}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}`;
    const lines = renderFormatted(rows, template, { ID: 'CONTAINER ID', Id: 'CONTAINER ID', CreatedHuman: 'CREATED' }).split('\n');
    if (this.flags.noheading && template.startsWith('table')) lines.shift();
    if (lines.join('')) this.log(lines.join('\n'));
  }
}
