#!/usr/bin/env node
// tpod vs podman benchmarks (`npm run bench [-- [--quick] [NAME...]]`; needs root):
//
//   node bench/run.mjs [--quick] [--out DIR] [NAME...]
//
// NAME: run-rm run-d-rm ps-a rss pull-cold pull-warm images-200 inspect (default: all).
// --quick: smaller sizes (20 containers for run-d-rm, 200 for ps-a, 50 images, fewer samples).
//
// On the host: builds the fixture images (test/fixtures/build-images.sh) and the bench ones
// (bench/fixtures/), boots a systemd sandbox of its own (SANDBOX_NAME=tpod-bench; a stale
// one of that name is stopped first), starts docker-registry on a free loopback port and
// pushes busybox and the big image. Then bench/inside.mjs runs every benchmark INSIDE the
// sandbox (podman's systemd cgroup manager and tpod's scopes need a real systemd) and
// writes JSON. Registry and sandbox are stopped at the end, also on SIGINT/SIGTERM; only
// PIDs started here are signalled.
//
// Output: bench/results.md + results.json for a full default run, bench/results-quick.*
// for a full --quick run, .cache/bench-results/ for a subset (so trying one benchmark never
// overwrites the committed table); --out DIR overrides. Budgets are reported, never
// enforced: exit 0 unless the harness itself broke.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushFixtures, startRegistry } from '../test/harness/registry.mjs';
import { markdown, table } from './lib/report.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SANDBOX = join(repo, 'test', 'harness', 'sandbox.sh');
const FIXTURES = join(repo, '.cache', 'fixtures');
const BENCH_FIXTURES = join(repo, '.cache', 'bench-fixtures');
const ALL = ['run-rm', 'run-rm-rootless', 'run-d-rm', 'ps-a', 'rss', 'pull-cold', 'pull-warm', 'images-200', 'inspect'];
const RUN_ORDER = ['run-rm', 'run-rm-rootless', 'rss', 'inspect', 'pull-warm', 'run-d-rm', 'images-200', 'pull-cold', 'ps-a'];
const sandboxEnv = { ...process.env, SANDBOX_NAME: process.env.TPOD_BENCH_SANDBOX || 'tpod-bench' };
const say = (m) => process.stdout.write(`${m}\n`);
const secs = (t) => (Date.now() - t) / 1000;

function parseArgs(argv) {
  const opts = { quick: false, out: null, names: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--out') opts.out = resolve(argv[++i] ?? '');
    else if (a === '-h' || a === '--help') { say(`usage: node bench/run.mjs [--quick] [--out DIR] [${ALL.join('|')}]...`); process.exit(0); }
    else if (ALL.includes(a)) opts.names.push(a);
    else { process.stderr.write(`bench: unknown benchmark or option '${a}' (benchmarks: ${ALL.join(' ')})\n`); process.exit(2); }
  }
  // Keep the canonical order whatever order they were named in.
  // Run the cheap ones first, so a run cut short (deadline, Ctrl-C) loses the long setups
  // (1000 creates, 200 pulls, cold pulls) rather than everything; the table keeps ALL's order.
  opts.names = RUN_ORDER.filter((n) => opts.names.length === 0 || opts.names.includes(n));
  return opts;
}

// ---- child processes and interruption -----------------------------------------------------

let current = null; // the child we are waiting for, signalled on interrupt
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupted) { process.stderr.write('bench: interrupted twice, exiting\n'); spawnSync('bash', [SANDBOX, 'stop'], { env: sandboxEnv }); process.exit(130); }
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping and cleaning up (again to hurry)\n`);
    if (current) try { process.kill(current.pid, 'SIGTERM'); } catch { /* gone */ }
  });
}

/** Run a command (stdout/stderr inherited unless quiet); resolves to its exit status. */
function run(cmd, args, { env = process.env, quiet = false } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: repo, env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
    current = child;
    child.on('error', rej);
    child.on('close', (code) => { current = null; res(code ?? 128); });
  });
}

async function must(cmd, args, opts) {
  const code = await run(cmd, args, opts);
  if (interrupted) throw new Error('interrupted');
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}`);
}

const out1 = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : `unavailable (${cmd})`;
};

// ---- fixtures ------------------------------------------------------------------------------

/** "5 layers, 112 MiB compressed, 300 MiB uncompressed" from the layout itself. */
function describeBig(layout) {
  const blob = (d) => join(layout, 'blobs', 'sha256', d.replace('sha256:', ''));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  let packed = 0;
  let unpacked = 0;
  for (const l of manifest.layers) {
    packed += l.size;
    // gzip's trailer holds the uncompressed size mod 2^32: enough for layers under 4 GiB.
    const fd = openSync(blob(l.digest), 'r');
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, statSync(blob(l.digest)).size - 4);
    closeSync(fd);
    unpacked += b.readUInt32LE(0);
  }
  const mib = (n) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${manifest.layers.length}-layer image, ${mib(packed)} compressed, ${mib(unpacked)} uncompressed`;
}

// ---- a frozen copy of tpod ----------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Is a TypeScript build writing into this checkout right now? */
function buildRunning() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tsc') && readlinkSync(`/proc/${pid}/cwd`).startsWith(repo);
    } catch { return false; }
  });
}

/**
 * Copy the built tpod (bin, dist, manifest; node_modules linked) into the work dir and
 * benchmark that copy: other people rebuild dist/ while a 20-minute run goes on, and a
 * half-written dist/ fails commands at random. The copy is taken when no build runs, and
 * checked by importing every command module; a broken one is retaken a little later.
 */
async function snapshotTpod(dest) {
  const files = (dir) => readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.js')).map((f) => join(dir, f));
  for (let attempt = 1; ; attempt++) {
    for (let i = 0; i < 60 && buildRunning(); i++) await sleep(2000);
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    // native/build/Release: the mount(2) addon; without it tpod would fall back to mount(8).
    for (const f of ['bin', 'dist', 'oclif.manifest.json', 'package.json', 'native/build/Release']) cpSync(join(repo, f), join(dest, f), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(dest, 'node_modules'));
    const mods = [...files(join(dest, 'dist', 'commands')), ...files(join(dest, 'dist', 'cli'))];
    const check = spawnSync(process.execPath, ['--input-type=module', '-e',
      `for (const f of ${JSON.stringify(mods)}) await import(f);`], { encoding: 'utf8' });
    if (check.status === 0) return dest;
    if (attempt === 5) throw new Error(`the built tpod does not load (run npm run build): ${check.stderr.trim().split('\n').slice(0, 4).join(' ')}`);
    say(`bench: dist/ does not load yet (a build in progress?), retrying in 20 s`);
    await sleep(20_000);
  }
}

function machine(tpodDir, meta) {
  const os = (readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m) ?? [])[1] ?? 'unknown';
  const commit = out1('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).stdout?.trim() ? ' + uncommitted changes' : '';
  const tpodVersion = (spawnSync(join(tpodDir, 'bin', 'tpod'), ['version'], { encoding: 'utf8' }).stdout.match(/^Version:\s*(\S+)/m) ?? [])[1] ?? 'unknown';
  return {
    'CPU': `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    'memory': `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'OS': os,
    'kernel (uname -r)': out1('uname', ['-r']),
    'tpod': `${tpodVersion} (git ${commit}${dirty}), node ${process.version}`,
    'podman': out1('podman', ['--version']),
    'runc': out1('runc', ['--version']),
    'crun': out1('crun', ['--version']),
    'conmon': out1('conmon', ['--version']),
    'load average (1/5/15 min) at start → end': `${meta.loadStart} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    'storage': 'overlay for both; runc for both; systemd cgroup manager for both; `--network none` for both',
  };
}

// ---- main ------------------------------------------------------------------------------------

let exitCode = 0;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid() !== 0) throw new Error('the benchmarks run containers rootful: run as root');
  const started = Date.now();
  const full = opts.names.length === ALL.length;
  const outDir = opts.out ?? (full ? join(repo, 'bench') : join(repo, '.cache', 'bench-results'));
  const base = full && !opts.out && opts.quick ? 'results-quick' : 'results';
  const needBig = opts.names.some((n) => n.startsWith('pull-'));
  const manyCount = opts.quick ? 50 : 200;

  let t = Date.now();
  await must('bash', [join(repo, 'test', 'fixtures', 'build-images.sh'), FIXTURES]);
  if (needBig) await must('bash', [join(repo, 'bench', 'fixtures', 'build-big-image.sh'), BENCH_FIXTURES]);
  if (opts.names.includes('images-200')) {
    await must(process.execPath, [join(repo, 'bench', 'fixtures', 'build-many-images.mjs'), join(FIXTURES, 'oci'), BENCH_FIXTURES, String(manyCount)]);
  }
  say(`bench: fixtures ready (${secs(t).toFixed(1)} s)`);

  // Short, lower-case paths: podman refuses a runroot over 50 characters, and names images
  // pulled from an OCI layout after the layout's path, which must be a valid reference.
  const work = `/tmp/tpod-bench-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  const loadStart = loadavg().map((l) => l.toFixed(2)).join(' ');

  let registry = null;
  let sandbox = false;
  let data;
  let host; // machine facts, read while the tpod copy still exists
  try {
    const tpodDir = await snapshotTpod(join(work, 'tpod'));
    if (opts.names.includes('images-200')) symlinkSync(join(BENCH_FIXTURES, 'many'), join(work, 'many'));
    t = Date.now();
    sandbox = true;
    await must('bash', [SANDBOX, 'stop'], { env: sandboxEnv });
    await must('bash', [SANDBOX, 'start'], { env: sandboxEnv, quiet: true });
    registry = await startRegistry({ dir: join(work, 'registry') });
    await pushFixtures(registry, FIXTURES);
    const big = `${registry.host}/library/big`;
    if (needBig) {
      await must('skopeo', ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false',
        `oci:${join(BENCH_FIXTURES, 'big')}:big`, `docker://${big}:latest`]);
    }
    say(`bench: sandbox tpod-bench up, registry ${registry.host} (pid ${registry.pid}) loaded (${secs(t).toFixed(1)} s)`);

    const cfg = {
      repo, tpodDir, work: join(work, 's'), out: join(work, 'inside.json'), quick: opts.quick, names: opts.names,
      image: `${registry.host}/library/busybox`, big, bigDesc: needBig ? describeBig(join(BENCH_FIXTURES, 'big')) : '',
      many: join(work, 'many'), manyCount,
    };
    writeFileSync(join(work, 'config.json'), JSON.stringify(cfg));
    const code = await run('bash', [SANDBOX, 'exec', process.execPath, join(repo, 'bench', 'inside.mjs'), join(work, 'config.json')], { env: sandboxEnv });
    host = machine(tpodDir, { loadStart });
    // The runner writes its JSON after every benchmark: an interrupted or failed run still
    // reports what it measured, marked partial.
    if (existsSync(cfg.out)) data = JSON.parse(readFileSync(cfg.out, 'utf8'));
    if (code !== 0 || interrupted) {
      if (!data) throw new Error(interrupted ? 'interrupted before any benchmark finished' : `bench/inside.mjs exited ${code}`);
      data.partial = `stopped early (${interrupted ? 'interrupted' : `runner exited ${code}`}) after ${data.rows.length} rows`;
      exitCode = interrupted ? 130 : 1;
    }
  } finally {
    t = Date.now();
    if (registry) await registry.stop();
    // Stopping the sandbox ends every container, conmon and mount made inside it.
    if (sandbox) await run('bash', [SANDBOX, 'stop'], { env: sandboxEnv });
    rmSync(work, { recursive: true, force: true });
    say(`bench: registry and sandbox stopped, stores removed (${secs(t).toFixed(1)} s)`);
  }

  const totalSeconds = secs(started);
  const meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: `npm run bench${opts.quick || !full ? ` -- ${[opts.quick ? '--quick' : '', ...(full ? [] : opts.names)].filter(Boolean).join(' ')}` : ''}`,
    quick: opts.quick, totalSeconds, loadStart, partial: data.partial ?? null,
  };
  // Table rows in the issue's order (rss-container → rss, run-rm-rootless → run-rm).
  const rank = (r) => ALL.findIndex((n) => r.name === n || r.name.startsWith(`${n}-`) || (n === 'rss' && r.name.startsWith('rss')));
  data.rows.sort((a, b) => rank(a) - rank(b));
  const report = { meta, machine: host, ...data };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, `${base}.md`), markdown(report));
  say('');
  say(table(data.rows));
  say(`\nbench: ${totalSeconds.toFixed(0)} s in all; wrote ${join(outDir, `${base}.md`)} and ${base}.json${data.partial ? ` (${data.partial})` : ''}`);
  process.exitCode = exitCode;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
