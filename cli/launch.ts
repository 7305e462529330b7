/**
 * The tpod launcher behind bin/tpod: podman-style argv fix-ups, then oclif runs the one
 * command named. It runs from the esbuild bundle (scripts/bundle.mjs), which passes a
 * loader per command ID: each command's module is a chunk of the bundle, imported only
 * when that command runs, sharing one copy of @oclif/core with the launcher.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Config, Errors, execute, flush, handle, type Command, type Interfaces } from '@oclif/core';
import { helpAddition } from '@oclif/core/run';
import { COMMANDS_WITH_CONTAINER_ARGS, endFlagsAfterFirstArgument, hoistGlobalFlags, normalizeBooleanValues, firstAfterGlobalFlags, type FlagShape } from './argv.js';

export type CommandModule = { default: Command.Class };
export type CommandLoaders = Readonly<Record<string, () => Promise<CommandModule>>>;

interface ManifestCommand {
  id: string;
  aliases?: string[];
  flags: Record<string, FlagShape>;
}

/** Runs tpod with `argv` (without node and the script); `root` is the package directory. */
export async function launch(root: URL, argv: readonly string[], loaders?: CommandLoaders): Promise<void> {
  const rootPath = fileURLToPath(root);
  const manifest = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8')) as Interfaces.Manifest;
  // `tpod help [COMMAND…]` is `--help`, as in podman.
  const wanted = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
  const { args, commandId, words } = podmanArgv(wanted, Object.values(manifest.commands) as unknown as ManifestCommand[]);
  const config = await Config.load({ root: rootPath });
  if (loaders) loadCommandsFromBundle(config, loaders);
  if (commandId && !helpAddition(args, config)) {
    // What oclif's run() does for a command, minus its second Config.load (execute() with
    // a Config reloads it: ~10 ms) and hooks, which tpod has none of.
    try {
      await config.runCommand(commandId, args.slice(words));
      flush();
    } catch (err) {
      // An exit status (this.exit): what oclif's handle() does with it, exit, but without
      // first formatting the error's stack, which handle() cleans for nothing (~5 ms).
      const status = exitStatus(err);
      if (status !== undefined) process.exit(status);
      await handle(err as Error);
    }
    return;
  }
  if (!commandId && rootWithoutCommand(firstAfterGlobalFlags(args), config.version)) return;
  const unknown = commandId ? undefined : unrecognizedCommand(args, Object.keys(manifest.commands));
  if (unknown) {
    // As podman words it (exit 125), not oclif's "command x not found" (exit 2).
    const helpFor = ['tpod', ...unknown.slice(0, -1)].join(' ');
    process.stderr.write(`Error: unrecognized command \`tpod ${unknown.join(' ')}\`\nTry '${helpFor} --help' for more information\n`);
    process.exitCode = 125;
    return;
  }
  // Help and topics: oclif's own path.
  await execute({ loadOptions: config, args });
}

/** The status of oclif's ExitError (`this.exit(n)`), the one error that is not a failure. */
function exitStatus(err: unknown): number | undefined {
  if (!(err instanceof Errors.ExitError)) return undefined;
  return err.oclif.exit;
}

/**
 * `tpod` with no command, as podman answers it: --version, a missing command, or a flag
 * that no command takes before the command word (all exit 125 but --version). Returns
 * false for what oclif or the unknown-command path answer (--help, a word).
 */
function rootWithoutCommand(first: string | undefined, version: string): boolean {
  if (first === '--version' || first === '-v') {
    process.stdout.write(`tpod version ${version}\n`);
    return true;
  }
  if (first === '--help' || first === '-h' || (first !== undefined && !first.startsWith('-'))) return false;
  process.stderr.write(first === undefined ? "Error: missing command 'tpod COMMAND'\nTry 'tpod --help' for more information\n" : `Error: unknown flag: ${first}\nSee 'tpod --help'\n`);
  process.exitCode = 125;
  return true;
}

/**
 * The words naming a command that does not exist (`nosuch`, `container nosuch`), or
 * undefined for a topic alone (`tpod container`: its help) or no command at all.
 */
function unrecognizedCommand(args: readonly string[], commandIds: readonly string[]): string[] | undefined {
  const [first, second] = args;
  if (first === undefined || first.startsWith('-')) return undefined;
  const isTopic = commandIds.some((id) => id.startsWith(`${first}:`));
  if (!isTopic) return commandIds.includes(first) ? undefined : [first];
  if (second === undefined || second.startsWith('-') || commandIds.includes(`${first}:${second}`)) return undefined;
  return [first, second];
}

/** Global flags before the command, `--` after a container's command, `--flag=true`. */
function podmanArgv(argv: readonly string[], commands: readonly ManifestCommand[]): { args: string[]; commandId?: string; words: number } {
  const byId = new Map<string, ManifestCommand>();
  for (const command of commands) {
    for (const id of [command.id, ...(command.aliases ?? [])]) byId.set(id, command);
  }
  let args = hoistGlobalFlags(argv, new Set(byId.keys()));
  const words = byId.has(`${args[0]}:${args[1]}`) ? 2 : 1;
  const command = byId.get(args.slice(0, words).join(':'));
  if (!command) return { args, words };
  if (COMMANDS_WITH_CONTAINER_ARGS.has(command.id)) {
    args = [...args.slice(0, words), ...endFlagsAfterFirstArgument(args.slice(words), command.flags)];
  }
  return { args: [...args.slice(0, words), ...normalizeBooleanValues(args.slice(words), command.flags)], commandId: command.id, words };
}

/**
 * oclif finds a command's class through its plugin (by the manifest's file path, i.e. the
 * tsc output). In the bundle the class comes from the command's chunk instead, so the
 * command and oclif's runner share one @oclif/core (instanceof checks, one parse).
 */
function loadCommandsFromBundle(config: Config, loaders: CommandLoaders): void {
  const plugin = config.getPluginsList().find((p) => p.root === config.root);
  if (!plugin) return;
  const findByPath = plugin.findCommand.bind(plugin);
  plugin.findCommand = (async (id: string, opts?: { must?: boolean }) => {
    const load = loaders[id];
    if (!load) return findByPath(id, opts as { must: true });
    const command = (await load()).default;
    command.id = id;
    command.plugin = plugin;
    return command;
  }) as typeof plugin.findCommand;
}
