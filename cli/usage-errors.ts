/**
 * Command-line mistakes (unknown flag, missing or extra argument, a value not among a
 * flag's options) as podman reports them: one line naming what was wrong, a pointer to the
 * command's help, exit 125. oclif would print its own multi-line message and the whole
 * usage, exit 2.
 */

/** The part of oclif's errors read here (CLIError; parse errors carry `parse`). */
interface CommandLineError extends Error {
  parse?: { input?: { args?: Record<string, { required?: boolean }> }; output?: { argv?: unknown[] } };
  flags?: string[];
  args?: unknown[];
}

/**
 * oclif's errors about the command line: its parser's (unknown flag, missing argument, a
 * flag value it cannot read) and a command's `this.error()`. Not ExitError, which is how
 * `this.exit()` ends a command, nor a failure to load a command's module.
 */
export function isCommandLineError(err: Error): boolean {
  return 'oclif' in err && !['ExitError', 'ModuleLoadError'].includes(err.constructor.name);
}

/** `Error: …` and `See 'tpod COMMAND --help'`, as two lines of podman's. */
export function usageErrorText(err: Error, commandId: string | undefined): string {
  const see = `See 'tpod${commandId ? ` ${commandId.replaceAll(':', ' ')}` : ''} --help'`;
  return `Error: ${usageProblem(err as CommandLineError)}\n${see}\n`;
}

function usageProblem(err: CommandLineError): string {
  switch (err.constructor.name) {
    case 'NonExistentFlagsError':
      return `unknown flag: ${(err.flags ?? []).join(', ')}`;
    case 'RequiredArgsError': {
      const required = Object.values(err.parse?.input?.args ?? {}).filter((arg) => arg.required).length;
      const received = err.parse?.output?.argv?.length ?? 0;
      return `requires at least ${required} arg(s), only received ${received}`;
    }
    case 'UnexpectedArgsError':
      return `unexpected argument${(err.args ?? []).length === 1 ? '' : 's'}: ${(err.args ?? []).join(' ')}`;
    default:
      // Flag and argument values oclif could not read: its text, without its help
      // pointer, on one line (`Parsing --tail Expected an integer but received: x`).
      return err.message.split('\nSee more help with --help')[0]!.replace(/\s*\n\s*/g, ' ').trim();
  }
}
