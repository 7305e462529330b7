// Process helpers for the benchmark runner (inside the sandbox): timed command runs, a
// small worker pool, /proc reading for resident memory, and store teardown.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/**
 * Run argv[0] with argv[1..]; resolves to { code, signal, stdout, stderr, seconds } and never
 * rejects on a non-zero exit (callers decide what a failure means). `seconds` is wall time
 * from spawn to exit, measured here, so the sandbox's nsenter is not part of any figure.
 */
export function exec(argv, { env = process.env, timeoutMs = 120_000, input } = {}) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    if (input !== undefined) child.stdin.end(input);
    // A hung command must not hang the whole benchmark: kill it and report it as failed.
    const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    const done = (code, signal, spawnError) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (spawnError ? 127 : 128),
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: spawnError ? String(spawnError.message) : Buffer.concat(err).toString('utf8'),
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      });
    };
    child.on('error', (e) => done(null, null, e));
    child.on('close', (code, signal) => done(code, signal));
  });
}

/** Call fn(i) for i in [0, n) with at most `concurrency` calls in flight. */
export async function pool(n, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** PIDs currently in /proc (this pid namespace). */
export function pids() {
  return new Set(readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number));
}

/** A /proc/PID/status field in KiB (VmRSS, VmHWM), or null when the process is gone. */
export function statusKiB(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function comm(pid) {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return null; }
}

function ppid(pid) {
  try {
    // Field 4 of stat, after the parenthesised comm (which may hold spaces).
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** pid and all its descendants among `candidates`. */
export function treeOf(pid, candidates) {
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of candidates) {
      if (!tree.has(p) && tree.has(ppid(p))) { tree.add(p); grew = true; }
    }
  }
  return tree;
}

/**
 * Peak RSS (KiB) of a command: GNU time's %M when /usr/bin/time exists, else polling the
 * child's VmHWM every few ms (a high-water mark, so a late poll still sees the peak).
 * Resolves to { res, peakKiB, how }.
 */
export async function withPeakRss(argv, opts, tmpFile) {
  if (existsSync('/usr/bin/time')) {
    const res = await exec(['/usr/bin/time', '-f', '%M', '-o', tmpFile, ...argv], opts);
    let peakKiB = null;
    try { peakKiB = Number(readFileSync(tmpFile, 'utf8').trim().split('\n').pop()); } catch { /* no file */ }
    return { res, peakKiB, how: 'GNU time %M' };
  }
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), { env: opts?.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let peakKiB = 0;
  const out = [];
  const err = [];
  child.stdout.on('data', (c) => out.push(c));
  child.stderr.on('data', (c) => err.push(c));
  const poll = setInterval(() => { peakKiB = Math.max(peakKiB, statusKiB(child.pid, 'VmHWM') ?? 0); }, 5);
  const res = await new Promise((resolve) => child.on('close', (code, signal) => resolve({
    code: code ?? 128, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(),
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  })));
  clearInterval(poll);
  return { res, peakKiB, how: 'VmHWM polled every 5 ms' };
}

/**
 * Remove a store directory: first unmount whatever the tools left mounted below it
 * (overlay roots of containers not removed, podman's private bind mounts), deepest first,
 * so rm never walks into a mounted lower layer.
 */
export function dropStore(dir) {
  if (!existsSync(dir)) return;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  // A tool's cleanup processes (podman's and tpod's exit commands, run by conmon after
  // `rm -f`) may still write below it for a moment: rm retries ENOTEMPTY and EBUSY.
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}
