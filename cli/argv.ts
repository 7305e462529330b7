/**
 * Podman users put global flags before the command (`tpod --root /x ps`); oclif reads
 * flags only after the command words. This moves leading global flags to just after the
 * command ID, which is found as the longest run of words naming a known command. Flags
 * after the command ID are left alone: for `run IMAGE CMD...` they belong to the container.
 */

/** Global flags that take a value (`--root /x` or `--root=/x`). */
export const GLOBAL_VALUE_FLAGS = new Set(['--root', '--runroot', '--log-level', '--runtime', '--cgroup-manager', '--storage-driver']);

export function hoistGlobalFlags(argv: readonly string[], commandIds: ReadonlySet<string>): string[] {
  const globals: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? '';
    const name = arg.split('=')[0] ?? '';
    if (!GLOBAL_VALUE_FLAGS.has(name)) break;
    globals.push(arg);
    if (!arg.includes('=') && i + 1 < argv.length) globals.push(argv[i + 1] ?? '');
    i += arg.includes('=') ? 1 : 2;
  }
  if (globals.length === 0) return [...argv];
  const rest = argv.slice(i);
  // An unknown command or a topic (`tpod --root x container`) keeps its word first too, so
  // it is named as the command, not the first global flag.
  const first = rest[0];
  const idLength = longestCommandId(rest, commandIds) || (first !== undefined && !first.startsWith('-') ? 1 : 0);
  return [...rest.slice(0, idLength), ...globals, ...rest.slice(idLength)];
}

/** The first word that is not a global flag or its value (`--bogus` in `tpod --root /x --bogus ps`). */
export function firstAfterGlobalFlags(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.split('=')[0]!;
    if (!GLOBAL_VALUE_FLAGS.has(name)) return arg.startsWith('-') ? name : arg;
    if (!arg.includes('=')) i++;
  }
  return undefined;
}

function longestCommandId(words: readonly string[], commandIds: ReadonlySet<string>): number {
  let best = 0;
  for (let n = 1; n <= words.length && !(words[n - 1] ?? '-').startsWith('-'); n++) {
    if (commandIds.has(words.slice(0, n).join(':'))) best = n;
  }
  return best;
}

/** Commands whose arguments after the image (for unshare: after the command word) belong to the command run (podman's rule). */
export const COMMANDS_WITH_CONTAINER_ARGS = new Set(['run', 'create', 'container:run', 'container:create', 'exec', 'container:exec', 'unshare']);

export interface FlagShape {
  /** "option" flags take a value; "boolean" ones do not. */
  type: 'option' | 'boolean';
  char?: string;
}

/**
 * `tpod run IMAGE sh -c x`: podman stops reading its own flags at the image, so `-c`
 * belongs to sh. oclif would read it as a flag; a `--` after the image tells it not to.
 * `flags` is the command's flag table from the manifest (name → shape).
 */
export function endFlagsAfterFirstArgument(args: readonly string[], flags: Record<string, FlagShape>): string[] {
  const byChar = new Map(Object.values(flags).filter((f) => f.char).map((f) => [f.char!, f]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...args];
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0]!;
      if (!arg.includes('=') && flags[name]?.type === 'option') i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Bundled short flags (-it, -dit, -eKEY=V): the first value flag takes the rest or the next word.
      for (let c = 1; c < arg.length; c++) {
        if (byChar.get(arg[c]!)?.type === 'option') {
          if (c === arg.length - 1) i++;
          break;
        }
      }
      continue;
    }
    return [...args.slice(0, i + 1), '--', ...args.slice(i + 1)];
  }
  return [...args];
}

/**
 * `--tls-verify=false`: podman (Go's pflag) takes `=true`/`=false` on boolean flags; oclif
 * reads `--name=value` on a boolean as an unknown word. Rewritten to `--no-name` (flags
 * with allowNo), `--name`, or nothing (`=false` on a flag without a negation: its default).
 * Only before a `--`: after it the words belong to the container.
 */
export function normalizeBooleanValues(args: readonly string[], flags: Record<string, FlagShape & { allowNo?: boolean }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const match = /^--([^=]+)=(true|false)$/i.exec(arg);
    const flag = match ? flags[match[1]!] : undefined;
    if (!match || flag?.type !== 'boolean') {
      out.push(arg);
      continue;
    }
    const value = match[2]!.toLowerCase() === 'true';
    if (value) out.push(`--${match[1]}`);
    else if (flag.allowNo) out.push(`--no-${match[1]}`);
  }
  return out;
}
