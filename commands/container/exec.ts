import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { execInContainer } from '../../src/containers/exec.js';
import { parseEnvFlags } from '../../src/spec/index.js';

export default class Exec extends BaseCommand<typeof Exec> {
  static override aliases = ['exec'];
  static override strict = false;
  static override description = 'Run a process in a running container';
  static override examples = ['tpod exec web ps', 'tpod exec -it web sh', 'tpod exec -u nobody -w /tmp -e A=1 web env'];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }), command: Args.string({ required: true, description: 'command and arguments' }) };
  static override flags = {
    interactive: Flags.boolean({ char: 'i', description: 'keep stdin open' }),
    tty: Flags.boolean({ char: 't', description: 'allocate a pseudo-terminal' }),
    env: Flags.string({ char: 'e', multiple: true, multipleNonGreedy: true, description: 'set an environment variable' }),
    user: Flags.string({ char: 'u', description: 'user[:group] to run as' }),
    workdir: Flags.string({ char: 'w', description: 'working directory' }),
    detach: Flags.boolean({ char: 'd', description: 'run in the background and print the exec session ID' }),
  };

  async run(): Promise<void> {
    const [container, ...command] = this.positionals;
    const { code, sessionId } = await execInContainer(this.engine, container!, {
      command,
      env: parseEnvFlags(this.flags.env ?? []),
      user: this.flags.user,
      workdir: this.flags.workdir,
      tty: this.flags.tty,
      interactive: this.flags.interactive,
      detach: this.flags.detach,
    });
    // As podman: a detached session's ID, for inspect's ExecIDs.
    if (this.flags.detach) this.log(sessionId);
    this.exit(code);
  }
}
