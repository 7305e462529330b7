import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { listVolumes } from '../../src/volumes/store.js';
import { renderFormatted } from '../../src/ui/output.js';

export default class VolumeList extends BaseCommand<typeof VolumeList> {
  static override aliases = ['volume:list'];
  static override description = 'List volumes';
  static override examples = ['tpod volume ls', 'tpod volume ls -q', 'tpod volume ls --format json'];
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'print only names' }),
    format: Flags.string({ description: 'json or a Go template' }),
  };

  async run(): Promise<void> {
    const volumes = listVolumes(this.engine);
    if (this.flags.quiet) return void (volumes.length && this.log(volumes.map((v) => v.Name).join('\n')));
    const out = renderFormatted(volumes, this.flags.format ?? 'table {{.Driver}}\t{{.Name}}', { Name: 'VOLUME NAME' });
    if (out) this.log(out);
  }
}
