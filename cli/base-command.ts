/**
 * What every tpod command shares: podman's global flags, the engine built from them, and
 * one place where errors become a single line on stderr and an exit status.
 */
import { format } from 'node:util';
import { Command, Flags, type Interfaces } from '@oclif/core';
import { Engine } from '../src/engine.js';
import type { ContainerRecord } from '../src/containers/store.js';
import { isTpodError } from '../src/errors.js';
import { LOG_LEVELS, logLevelEnabled, setLogLevel, type LogLevel } from '../src/log.js';
import { isCommandLineError, usageErrorText } from './usage-errors.js';

export type GlobalFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

let stdoutGuarded = false;

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    root: Flags.string({ description: 'path to the root directory of the store (env TPOD_ROOT)', helpGroup: 'GLOBAL' }),
    runroot: Flags.string({ description: 'path to the runtime state directory (env TPOD_RUNROOT)', helpGroup: 'GLOBAL' }),
    'log-level': Flags.option({
      options: LOG_LEVELS,
      description: 'log messages at and above this level (env TPOD_LOG_LEVEL)',
      helpGroup: 'GLOBAL',
    })(),
    runtime: Flags.string({ description: 'OCI runtime name or path: runc (default) or crun (env TPOD_RUNTIME)', helpGroup: 'GLOBAL' }),
    'storage-driver': Flags.string({
      description: 'storage driver of new containers: overlay, fuse-overlayfs (rootless) or vfs (env STORAGE_DRIVER; default: overlay, rootless fuse-overlayfs where overlay cannot be mounted)',
      helpGroup: 'GLOBAL',
    }),
    'cgroup-manager': Flags.option({
      options: ['systemd'] as const,
      description: 'cgroup manager: systemd owns every container cgroup',
      helpGroup: 'GLOBAL',
    })(),
  };

  protected flags!: GlobalFlags<T>;
  protected args!: CommandArgs<T>;
  /** Positional arguments as given, for commands taking a variable number (rm a b c). */
  protected positionals!: string[];
  private engineInstance: Engine | undefined;

  override async init(): Promise<void> {
    await super.init();
    const { flags, args, raw } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as GlobalFlags<T>;
    this.args = args as CommandArgs<T>;
    // Not oclif's `argv`: with strict=false it sorts the words by their first appearance in
    // the command line, so `run -u 1000 busybox sleep 1000` put "1000" (the -u value) first.
    // The raw tokens keep the order as typed.
    this.positionals = raw.flatMap((token) => (token.type === 'arg' ? [token.input] : []));
    const level = (this.flags['log-level'] ?? process.env.TPOD_LOG_LEVEL ?? 'warn') as LogLevel;
    setLogLevel(LOG_LEVELS.includes(level) ? level : 'warn');
  }

  /**
   * One line on stdout. Not oclif's (console.log): Node's console probes the stderr stream
   * for colours on its first call, creating it (tty and net, ~4 ms) for commands that never
   * write there. A reader that went away (`tpod ps | head -1`) ends the output, not the
   * command, as console.log would have it.
   */
  override log(message = '', ...args: unknown[]): void {
    if (!stdoutGuarded) {
      stdoutGuarded = true;
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
    }
    process.stdout.write(`${args.length > 0 ? format(message, ...args) : message}\n`);
  }

  /** The engine for this invocation, built on first use so `tpod --help` stays cheap. */
  protected get engine(): Engine {
    this.engineInstance ??= new Engine({
      root: this.flags.root,
      runroot: this.flags.runroot,
      runtime: this.flags.runtime,
      cgroupManager: this.flags['cgroup-manager'],
      storageDriver: this.flags['storage-driver'],
    });
    return this.engineInstance;
  }

  /**
   * Rootless cp and export: runs this command again where the container's files can be
   * reached (src/containers/rootless-files.ts) and exits with its status; returns when
   * this process can reach them itself.
   */
  protected async rerunForContainerFiles(container: ContainerRecord): Promise<void> {
    const { rerunForContainerFiles } = await import('../src/containers/rootless-files.js');
    const code = await rerunForContainerFiles(this.engine, container, process.argv.slice(2));
    if (code !== undefined) this.exit(code);
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.engineInstance?.close();
    await super.finally(err);
  }

  /** Typed engine errors become one line (plus an optional hint); stacks only at debug. */
  protected override async catch(err: Error & { exitCode?: number }): Promise<void> {
    // this.exit(n) throws oclif's ExitError: an exit status, not a failure to report. Not
    // through oclif's catch, which stops a spinner tpod never starts and loads the terminal
    // colour probe to draw its "!".
    if ((err as { code?: unknown }).code === 'EEXIT') throw err;
    if (!isTpodError(err)) {
      if (logLevelEnabled('debug')) process.stderr.write(`${err.stack ?? err.message}\n`);
      if (isCommandLineError(err)) {
        process.stderr.write(usageErrorText(err, this.id));
        this.exit(125);
      }
      // this.exit's ExitError keeps oclif's handling.
      if (err.constructor.name.endsWith('Error') && 'oclif' in err) return super.catch(err);
      process.stderr.write(`Error: ${err.message}\n`);
      this.exit(125);
    }
    process.stderr.write(`Error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`Try: ${err.hint}\n`);
    if (logLevelEnabled('debug')) {
      process.stderr.write(`${err.stack ?? ''}\n`);
      if (err.cause instanceof Error) process.stderr.write(`caused by: ${err.cause.stack ?? err.cause.message}\n`);
    }
    this.exit(err.exitCode);
  }
}
