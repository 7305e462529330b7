import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { versionReport } from '../src/info/version.js';
import { renderOne } from '../src/ui/output.js';

export default class Version extends BaseCommand<typeof Version> {
  static override description = 'Display the tpod version information';
  static override examples = ['tpod version', 'tpod version --format json', "tpod version --format '{{.Client.Version}}'"];
  static override flags = {
    format: Flags.string({ char: 'f', description: 'output format: json or a Go template' }),
  };

  async run(): Promise<void> {
    const report = versionReport();
    if (this.flags.format) {
      this.log(renderOne(report, this.flags.format));
      return;
    }
    const c = report.Client;
    this.log(`Client:       tpod\nVersion:      ${c.Version}\nAPI Version:  ${c.APIVersion}\nNode Version: ${c.NodeVersion}\nBuilt:        ${c.Built}\nOS/Arch:      ${c.OsArch}`);
  }
}
