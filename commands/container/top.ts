import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { containerTop } from '../../src/containers/top.js';

export default class Top extends BaseCommand<typeof Top> {
  static override aliases = ['top'];
  static override strict = false;
  static override description = 'Display the running processes of a container';
  static override examples = ['tpod top web', 'tpod top web pid,args'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }), fields: Args.string({ description: 'ps fields' }) };

  async run(): Promise<void> {
    const [container, ...fields] = this.positionals;
    this.log(await containerTop(this.engine, container!, fields.flatMap((f) => f.split(','))));
  }
}
