/**
 * Podman users put global flags before the command (`tpod --root /x ps`); oclif reads
 * flags only after the command words. This moves leading global flags to just after the
 * command ID, which is found as the longest run of words naming a known command. Flags
 * after the command ID are left alone: for `run IMAGE CMD...` they belong to the container.
 */

/** Global flags that take a value (`--root /x` or `--root=/x`). */
export const GLOBAL_VALUE_FLAGS = new Set(['--root', '--runroot', '--log-level', '--runtime', '--cgroup-manager']);

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
  const idLength = longestCommandId(rest, commandIds);
  return [...rest.slice(0, idLength), ...globals, ...rest.slice(idLength)];
}

function longestCommandId(words: readonly string[], commandIds: ReadonlySet<string>): number {
  let best = 0;
  for (let n = 1; n <= words.length && !(words[n - 1] ?? '-').startsWith('-'); n++) {
    if (commandIds.has(words.slice(0, n).join(':'))) best = n;
  }
  return best;
}
