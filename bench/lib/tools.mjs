// The two engines under test, each bound to its own throw-away store. Both get the same
// image names and the same `--network none`, so the only difference is the engine.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './proc.mjs';

export class NotImplemented extends Error {}

/** stderr of a failed tpod command that means "this command or flag does not exist yet". */
export function looksNotImplemented(res) {
  return res.code !== 0 && /not found|unknown command|not implemented|nonexistent flag|unexpected argument/i.test(res.stderr);
}

const firstLine = (s) => s.trim().split('\n').find((l) => l.trim()) ?? '';

/**
 * A tool: { name, argv(args) -> full argv, env, run(args, opts) -> exec result, must(...) }.
 * `dir` holds this tool's store for one benchmark; nothing is shared between tools.
 */
export function makeTool(name, dir, { tpodDir }) {
  mkdirSync(dir, { recursive: true });
  let argvPrefix;
  let env = process.env;
  if (name === 'tpod') {
    argvPrefix = [join(tpodDir, 'bin', 'tpod')];
    env = { ...process.env, TPOD_ROOT: join(dir, 'root'), TPOD_RUNROOT: join(dir, 'run') };
  } else {
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    argvPrefix = ['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'),
      '--storage-driver', 'overlay', '--cgroup-manager', 'systemd', '--runtime', 'runc',
      '--events-backend', 'file', '--tmpdir', join(dir, 'tmp')];
  }
  const tool = {
    name,
    dir,
    env,
    argv: (args) => [...argvPrefix, ...args],
    run: (args, opts = {}) => exec(tool.argv(args), { env, ...opts }),
    /**
     * Run and require success. A tpod failure that reads as "no such command/flag" throws
     * NotImplemented (the row then says so); anything else throws a plain Error.
     */
    async must(args, opts = {}) {
      const res = await tool.run(args, opts);
      if (res.code === 0) return res;
      const what = `${name} ${args.join(' ')}: exit ${res.code}${res.signal ? ` (${res.signal})` : ''}: ${firstLine(res.stderr)}`;
      if (name === 'tpod' && looksNotImplemented(res)) throw new NotImplemented(what);
      throw new Error(what);
    },
  };
  return tool;
}

/**
 * The flag that turns TLS verification off for a pull. podman takes --tls-verify=false;
 * tpod should too (podman compatibility), but if its parser only knows the oclif
 * --no-tls-verify form, use that and say so in the notes rather than lose every pull row.
 */
export async function tlsOffFlag(tool, image, notes) {
  if (tool.name !== 'tpod') return '--tls-verify=false';
  const res = await tool.run(['pull', '--tls-verify=false', image], { timeoutMs: 300_000 });
  if (res.code === 0) return '--tls-verify=false';
  const alt = await tool.run(['pull', '--no-tls-verify', image], { timeoutMs: 300_000 });
  if (alt.code === 0) {
    notes.add(`tpod rejects podman's \`--tls-verify=false\` (${firstLine(res.stderr).replace(/^[\s›]+/, '')}); the benchmark used \`--no-tls-verify\`.`);
    return '--no-tls-verify';
  }
  return '--tls-verify=false';
}
