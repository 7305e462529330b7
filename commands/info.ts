import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { collectInfo } from '../src/info/info.js';
import { renderOne } from '../src/ui/output.js';
import { toYaml } from '../src/ui/yaml.js';

export default class Info extends BaseCommand<typeof Info> {
  static override description = 'Display tpod related system information: host, systemd, OCI runtime, store';
  static override examples = ['tpod info', 'tpod info --format json', "tpod info --format '{{.Host.Systemd.Reachable}}'"];
  static override flags = {
    format: Flags.string({ char: 'f', description: 'output format: json or a Go template' }),
  };

  async run(): Promise<void> {
    const report = await collectInfo(this.engine);
    this.log(this.flags.format ? renderOne(report, this.flags.format) : toYaml(report).trimStart());
  }
}
