import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { containerFlags, createFromCommandLine } from '../cli/container-flags.js';
import { runForeground, startDetached } from '../src/containers/start.js';
import { removeContainer } from '../src/containers/remove.js';

export default class Run extends BaseCommand<typeof Run> {
  static override aliases = ['container:run'];
  static override strict = false;
  static override description = 'Run a command in a new container';
  static override examples = [
    'tpod run --rm busybox echo hello',
    'tpod run -it busybox sh',
    'tpod run -d --name web --memory 64m busybox httpd -f -p 8080',
  ];
  static override args = { image: Args.string({ required: true, description: 'image name or ID' }), command: Args.string({ description: 'command and arguments' }) };
  static override flags = {
    ...containerFlags,
    detach: Flags.boolean({ char: 'd', description: 'run in the background and print the container ID' }),
  };

  async run(): Promise<void> {
    // The bus handshake overlaps the create's disk and mount work instead of following it.
    this.engine.connectSystemdEarly();
    const container = await createFromCommandLine(this.engine, this.flags, this.positionals, { startsNext: true });
    try {
      if (this.flags.detach) {
        await startDetached(this.engine, container);
        this.log(container.id);
        return;
      }
      const code = await runForeground(this.engine, container, { stdout: process.stdout, stderr: process.stderr });
      this.exit(code);
    } catch (err) {
      // A container that never started is not left behind by --rm.
      if (container.config.autoRemove) await removeContainer(this.engine, container.id, { force: true, timeoutSeconds: 0 }).catch(() => undefined);
      throw err;
    }
  }
}
