import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { showLogs } from '../../src/containers/logs.js';

export default class Logs extends BaseCommand<typeof Logs> {
  static override aliases = ['logs'];
  static override description = 'Show the output of a container';
  static override examples = ['tpod logs web', 'tpod logs -f --tail 10 web', 'tpod logs --since 10m -t web'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }) };
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing new output until the container exits' }),
    tail: Flags.integer({ description: 'print only the last N lines' }),
    timestamps: Flags.boolean({ char: 't', description: 'prefix each line with its time' }),
    since: Flags.string({ description: 'only output after this time (RFC 3339, unix time, or a duration like 10m)' }),
    until: Flags.string({ description: 'only output before this time' }),
  };

  async run(): Promise<void> {
    const container = this.engine.containers.get(this.args.container);
    await showLogs(
      this.engine,
      container,
      {
        follow: this.flags.follow,
        ...(this.flags.tail !== undefined ? { tail: this.flags.tail } : {}),
        timestamps: this.flags.timestamps,
        ...(this.flags.since ? { since: this.flags.since } : {}),
        ...(this.flags.until ? { until: this.flags.until } : {}),
      },
      { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
    );
  }
}
