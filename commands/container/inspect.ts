import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { containerInspect } from '../../src/containers/report.js';
import { syncContainer } from '../../src/containers/sync.js';
import { getLocalImage } from '../../src/images/lookup.js';
import { imageInspect } from '../../src/images/report.js';
import { renderFormatted } from '../../src/ui/output.js';

export default class Inspect extends BaseCommand<typeof Inspect> {
  static override aliases = ['inspect'];
  static override strict = false;
  static override description = 'Display the configuration and state of containers (or images) as JSON';
  static override examples = ['tpod inspect web', "tpod inspect --format '{{.State.ExitCode}}' web"];
  static override args = { name: Args.string({ required: true, description: 'container (or image) name or ID (several allowed)' }) };
  static override flags = { format: Flags.string({ char: 'f', description: 'json (default) or a Go template' }) };

  async run(): Promise<void> {
    const reports = [];
    for (const target of this.positionals) {
      const container = this.engine.containers.find(target);
      if (container) {
        const synced = (await syncContainer(this.engine, container)) ?? container;
        reports.push(containerInspect(this.engine, synced));
      } else {
        reports.push(imageInspect(getLocalImage(this.engine, target)));
      }
    }
    this.log(renderFormatted(reports, this.flags.format ?? 'json'));
  }
}
