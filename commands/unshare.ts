import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { unshare } from '../src/rootless/unshare.js';

export default class Unshare extends BaseCommand<typeof Unshare> {
  static override strict = false;
  static override description = "Run a command in the rootless user's namespace (container ids mapped, private mounts)";
  static override examples = ['tpod unshare cat /proc/self/uid_map', 'tpod unshare ls -ln ~/.local/share/tpod/layers'];
  static override args = { command: Args.string({ description: 'command to run (default: $SHELL)' }) };

  async run(): Promise<void> {
    this.exit(await unshare(this.engine, this.positionals));
  }
}
