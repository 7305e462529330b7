#!/usr/bin/env node
// The benchmark runner proper. bench/run.mjs starts it INSIDE the systemd sandbox (podman's
// systemd cgroup manager and tpod's scopes need a real systemd), once for all benchmarks:
//
//   node bench/inside.mjs CONFIG.json
//
// CONFIG: { repo, work, out, quick, names, image, big, many, manyCount }. It runs the named
// benchmarks, tpod and podman alternately (warm-up of each, then A B A B …), each in fresh
// stores under `work`, and writes { rows, notes, timings } as JSON to `out`. Progress goes
// to stderr. Exit 0 when the harness worked, whatever the figures; 1 when it broke.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropStore, exec, pids, pool, statusKiB, comm, treeOf, withPeakRss } from './lib/proc.mjs';
import { makeTool, NotImplemented, tlsOffFlag } from './lib/tools.mjs';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const TOOLS = ['tpod', 'podman'];
const notes = new Set();
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e9;
const lastLine = (s) => s.trim().split('\n').pop().trim();
/** The telling line of a failed command's stderr: the Error line (a Node stack's too). */
const errLine = (s) => { const l = s.trim().split('\n'); return (l.find((x) => /error/i.test(x)) ?? l[0] ?? '').trim().slice(0, 300); };

// Sizes: the issue's figures by default, smaller ones with --quick (same code paths).
const N = cfg.quick
  ? { runRm: 5, lifecycle: 20, psContainers: 200, ps: 3, rss: 2, pullCold: 2, pullWarm: 3, images: 3, inspect: 5 }
  : { runRm: 10, lifecycle: 100, psContainers: 1000, ps: 5, rss: 3, pullCold: 3, pullWarm: 5, images: 5, inspect: 10 };
// Setup loops (creating 1000 containers, pulling 200 images) are not what is measured:
// run a few CLI processes at once so they fit in the time budget on 2 cores.
const SETUP_CONCURRENCY = 4;

// ---- stores and sampling -------------------------------------------------------------------

let tlsFlag = { tpod: '--tls-verify=false', podman: '--tls-verify=false' };
const storesToDrop = [];

/** Fresh, separate stores for one benchmark: { tpod, podman }. */
function stores(label) {
  const t = {};
  for (const name of TOOLS) {
    t[name] = makeTool(name, join(cfg.work, label, name), cfg);
    storesToDrop.push(t[name].dir);
  }
  return t;
}

/** Pull `image` into each tool's store (not timed). */
async function pullAll(tools, image = cfg.image) {
  for (const tool of Object.values(tools)) await tool.must(['pull', tlsFlag[tool.name], image], { timeoutMs: 600_000 });
}

function side() { return { status: 'ok', samples: [], error: null, detail: {} }; }

/** Record a failure on a side: NotImplemented → "not implemented", else "error". */
function fail(s, err) {
  s.status = err instanceof NotImplemented ? 'not implemented' : 'error';
  s.error = err.message;
  log(`  ${s.status}: ${err.message}`);
}

/**
 * One warm-up of each tool, then `iterations` rounds of tpod then podman. sample(name, i)
 * returns the measured number (i = -1 for the warm-up). A tool that fails stops being
 * sampled; the other goes on, so the row still shows what could be measured.
 */
async function alternate(iterations, sample, unit = 's') {
  const sides = { tpod: side(), podman: side() };
  for (let i = -1; i < iterations; i++) {
    for (const name of TOOLS) {
      const s = sides[name];
      if (s.status !== 'ok') continue;
      try {
        const v = await sample(name, i);
        if (i >= 0) s.samples.push(v);
        log(`  ${name} ${i < 0 ? 'warm-up' : `#${i + 1}`}: ${fmt(v, unit)}`);
      } catch (err) {
        fail(s, err);
      }
    }
  }
  return sides;
}

function fmt(v, unit) {
  if (typeof v !== 'number') return String(v);
  return unit === 's' ? `${v.toFixed(3)} s` : `${v.toFixed(2)} ${unit}`;
}

function stats(samples) {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { n: s.length, min: s[0], median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, max: s[s.length - 1] };
}

/**
 * A result row. `budget.check(row)` decides pass/fail from the summaries; it is only asked
 * when the tpod side was measured (a row whose tpod side is not implemented has pass null).
 */
function row(name, unit, sides, { budget = null, note = '', betterIs = 'lower' } = {}) {
  const r = { name, unit, betterIs, note, tpod: sides.tpod, podman: sides.podman, ratio: null, budget: budget?.text ?? '', pass: null };
  for (const n of TOOLS) r[n].stats = stats(r[n].samples);
  if (r.tpod.stats && r.podman.stats && r.podman.stats.median > 0) r.ratio = r.tpod.stats.median / r.podman.stats.median;
  if (budget && r.tpod.status === 'ok' && r.tpod.stats) r.pass = budget.check(r);
  if (budget && r.tpod.status === 'error') r.pass = false;
  return r;
}

const ratioAtMost = (x) => ({ text: `ratio ≤ ${x}`, check: (r) => r.ratio !== null && r.ratio <= x });

// ---- benchmarks ------------------------------------------------------------------------------

const RUN = ['--network', 'none'];

async function benchRunRm() {
  const t = stores('run-rm');
  await pullAll(t);
  const sides = await alternate(N.runRm, async (name) => (await t[name].must(['run', '--rm', ...RUN, cfg.image, 'true'])).seconds);
  return [row('run-rm', 's', sides, { budget: ratioAtMost(0.6), note: `\`run --rm IMAGE true\`, rootful, ${N.runRm} samples` })];
}

/**
 * The same as an unprivileged user (made for the run, with subordinate ids and its own
 * systemd user manager, as the rootless integration tests make theirs), both tools started
 * through the same `runuser … env -i …` so that wrapper costs both the same.
 */
async function benchRunRmRootless() {
  const { rootlessUser } = await import(join(cfg.repo, 'dist', 'test', 'helpers', 'rootless-user.js'));
  const user = rootlessUser();
  try {
    await user.ready;
    // podman's rootless choice on a cgroup v1 host: runc refuses its systemd manager there
    // ("cannot use rootless systemd cgroups manager on cgroup v1"), so cgroupfs (no cgroups).
    const podmanStore = ['--root', `${user.home}/podman/root`, '--runroot', `${user.runtimeDir}/podman-run`, '--storage-driver', 'overlay',
      '--cgroup-manager', cgroupV2() ? 'systemd' : 'cgroupfs', '--runtime', 'runc', '--events-backend', 'file'];
    const commands = { tpod: (args) => user.tpod(args), podman: (args) => user.run(['podman', ...podmanStore, ...args]) };
    const must = async (name, args) => {
      const r = await commands[name](args);
      if (r.code !== 0) throw new Error(`${name} ${args.join(' ')} as ${user.name}: exit ${r.code}: ${errLine(r.stderr)}`);
      return r.durationMs / 1000;
    };
    for (const name of TOOLS) await must(name, ['pull', '-q', tlsFlag[name], cfg.image]);
    const sides = await alternate(N.runRm, (name) => must(name, ['run', '--rm', ...RUN, cfg.image, 'true']));
    return [row('run-rm-rootless', 's', sides, { budget: ratioAtMost(0.6), note: `\`run --rm IMAGE true\` as an unprivileged user (user namespace, user manager scopes), ${N.runRm} samples` })];
  } finally {
    user.remove();
  }
}

function cgroupV2() {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => / \/sys\/fs\/cgroup .* - cgroup2 /.test(line));
}

/** run -d N containers one after another, then rm -f -t 0 each; containers/s overall. */
async function lifecycle(tool, n) {
  let failures = 0;
  let firstError = null;
  const ids = [];
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const res = await tool.run(['run', '-d', ...RUN, cfg.image, 'sleep', '1000']);
    if (res.code === 0) ids.push(lastLine(res.stdout));
    else {
      // The very first run failing as "unknown command" means no detached run at all.
      if (i === 0) await tool.must(['run', '-d', ...RUN, cfg.image, 'sleep', '1000']).then((r) => ids.push(lastLine(r.stdout)));
      failures++;
      firstError ??= errLine(res.stderr);
    }
  }
  const t1 = now();
  for (const id of ids) {
    const res = await tool.run(['rm', '-f', '-t', '0', id]);
    if (res.code !== 0) { failures++; firstError ??= errLine(res.stderr); }
  }
  const t2 = now();
  // A container rm reported as removed but still listed is a failure too.
  const ps = await tool.run(['ps', '-aq']);
  const left = ps.code === 0 ? ps.stdout.trim().split('\n').filter(Boolean).length : 0;
  failures += left;
  if (left) firstError ??= `${left} containers still listed by ps -a after rm`;
  return { rate: n / (t2 - t0), runRate: n / (t1 - t0), rmRate: ids.length / Math.max(t2 - t1, 1e-9), failures, firstError };
}

async function benchRunDRm() {
  const t = stores('rdrm');
  await pullAll(t);
  const detail = { tpod: [], podman: [] };
  // One round of N per tool (a round is already N containers); the warm-up is one container.
  const sides = await alternate(1, async (name, i) => {
    const r = await lifecycle(t[name], i < 0 ? 1 : N.lifecycle);
    if (i >= 0) detail[name].push(r);
    if (r.failures && i >= 0) log(`  ${name}: ${r.failures} failures (${r.firstError})`);
    return r.rate;
  }, 'containers/s');
  for (const name of TOOLS) {
    const d = detail[name][0];
    if (d) sides[name].detail = { failures: d.failures, firstError: d.firstError, runPerSecond: d.runRate, rmPerSecond: d.rmRate };
  }
  const failures = (name) => detail[name][0]?.failures ?? null;
  return [row('run-d-rm', 'containers/s', sides, {
    betterIs: 'higher',
    note: `${N.lifecycle} × \`run -d IMAGE sleep 1000\`, then \`rm -f -t 0\` each; failures tpod ${failures('tpod') ?? '–'}, podman ${failures('podman') ?? '–'}`,
    budget: { text: 'failures = 0', check: () => failures('tpod') === 0 },
  })];
}

/** Create n containers in a tool's store; resolves to seconds taken (setup, not measured). */
async function createMany(tool, n) {
  const t0 = now();
  // The first one alone: a missing `create` is reported once, not n times.
  // Explicit names: generated ones collided under concurrent `tpod create` (a tpod bug, found
  // by this benchmark) and would turn setup failures into a missing row.
  await tool.must(['create', ...RUN, '--name', 'ps-0', cfg.image, 'true']);
  let failed = 0;
  let firstError = null;
  await pool(n - 1, SETUP_CONCURRENCY, async (i) => {
    const res = await tool.run(['create', ...RUN, '--name', `ps-${i + 1}`, cfg.image, 'true']);
    if (res.code !== 0) { failed++; firstError ??= errLine(res.stderr); }
  });
  if (failed) throw new Error(`${tool.name} create failed ${failed} of ${n} times: ${firstError}`);
  return now() - t0;
}

async function benchPsA() {
  const t = stores('ps-a');
  await pullAll(t);
  const setup = {};
  const setupErr = {};
  for (const name of TOOLS) {
    log(`  ${name}: creating ${N.psContainers} containers (${SETUP_CONCURRENCY} at a time)`);
    try { setup[name] = await createMany(t[name], N.psContainers); } catch (err) { setupErr[name] = err; }
    if (setup[name]) log(`  ${name}: created in ${setup[name].toFixed(1)} s`);
  }
  const sides = await alternate(N.ps, async (name, i) => {
    if (setupErr[name]) throw setupErr[name];
    const res = await t[name].must(['ps', '-a']);
    const listed = res.stdout.trim().split('\n').length - 1;
    if (i < 0 && listed !== N.psContainers) notes.add(`ps-a: ${name} listed ${listed} containers, expected ${N.psContainers}.`);
    return res.seconds;
  });
  for (const name of TOOLS) if (setup[name]) sides[name].detail.createSeconds = setup[name];
  const creates = TOOLS.map((n) => `${n} ${setup[n] ? `${(N.psContainers / setup[n]).toFixed(1)}/s` : '–'}`).join(', ');
  return [row('ps-a', 's', sides, {
    note: `\`ps -a\` over ${N.psContainers} created containers (setup: create ${creates}, ${SETUP_CONCURRENCY} parallel)`,
    budget: { text: 'tpod < 0.25 s and ratio ≤ 0.3', check: (r) => r.tpod.stats.median < 0.25 && r.ratio !== null && r.ratio <= 0.3 },
  })];
}

/**
 * One detached container: the CLI's peak RSS for `run -d`, and the resident memory of the
 * processes it leaves behind for that container (new since before the run, alive, not the
 * container's own process tree): conmon for both tools today, but anything else counts too.
 */
async function rssSample(tool, i) {
  const before = pids();
  const { res, peakKiB, how } = await withPeakRss(tool.argv(['run', '-d', ...RUN, cfg.image, 'sleep', '1000']),
    { env: tool.env }, join(tool.dir, `time-${i + 1}.txt`));
  if (res.code !== 0) await tool.must(['run', '-d', ...RUN, cfg.image, 'sleep', '1000']); // classify and throw
  const id = lastLine(res.stdout);
  await sleep(500); // let short-lived helpers (runc, exit commands) finish
  const fresh = [...pids()].filter((p) => !before.has(p));
  const st = await tool.must(['inspect', '--format', '{{.State.Pid}} {{.State.ConmonPid}}', id]);
  const [ctrPid, conmonPid] = st.stdout.trim().split(/\s+/).map(Number);
  const ctr = ctrPid ? treeOf(ctrPid, fresh) : new Set();
  const left = fresh.filter((p) => !ctr.has(p)).map((p) => ({ pid: p, comm: comm(p), kib: statusKiB(p, 'VmRSS') }))
    .filter((p) => p.kib !== null);
  const kib = left.reduce((a, p) => a + p.kib, 0);
  if (conmonPid && !left.some((p) => p.pid === conmonPid)) notes.add(`rss: ${tool.name}'s ConmonPid ${conmonPid} was not among the new processes.`);
  return { kib, peakKiB, how, procs: left.map((p) => `${p.comm} ${(p.kib / 1024).toFixed(1)} MiB`) };
}

/** rm -f every container of a store (by ID: `rm -a` is not something every version has). */
async function removeAll(tool) {
  const ps = await tool.run(['ps', '-aq']);
  const ids = ps.code === 0 ? ps.stdout.trim().split('\n').filter(Boolean) : [];
  if (ids.length) await tool.run(['rm', '-f', '-t', '0', ...ids]);
}

async function benchRss() {
  const t = stores('rss');
  await pullAll(t);
  const peaks = { tpod: side(), podman: side() };
  const procs = { tpod: new Set(), podman: new Set() };
  let how = '';
  const sides = await alternate(N.rss, async (name, i) => {
    const r = await rssSample(t[name], i);
    how = r.how;
    if (i >= 0) {
      if (r.peakKiB) peaks[name].samples.push(r.peakKiB / 1024);
      procs[name].add(r.procs.map((p) => p.split(' ')[0]).join('+') || '(none)');
    }
    log(`  ${name}: leaves ${r.procs.join(', ') || 'nothing'}; CLI peak ${(r.peakKiB / 1024).toFixed(1)} MiB`);
    return r.kib / 1024;
  }, 'MiB');
  for (const name of TOOLS) {
    if (sides[name].status !== 'ok') { peaks[name].status = sides[name].status; peaks[name].error = sides[name].error; }
    sides[name].detail.processes = [...procs[name]];
  }
  for (const name of TOOLS) await removeAll(t[name]);
  const left = TOOLS.map((n) => `${n}: ${[...procs[n]].join(', ') || '–'}`).join('; ');
  return [
    row('rss-container', 'MiB', sides, {
      note: `VmRSS of the processes left per \`run -d\` container, container excluded (${left})`,
      budget: { text: 'tpod ≤ 3 MiB', check: (r) => r.tpod.stats.median <= 3 },
    }),
    row('rss-cli-peak', 'MiB', peaks, { note: `peak RSS of the \`run -d\` CLI process (${how})` }),
  ];
}

async function benchPullCold() {
  let k = 0;
  const used = [];
  try {
    const sides = await alternate(N.pullCold, async (name) => {
      // A fresh store for every sample: nothing of the image is present.
      const tool = makeTool(name, join(cfg.work, 'cold', `${name[0]}${k++}`), cfg);
      used.push(tool.dir);
      // Untimed: the previous sample's writes go to disk first. podman leaves its ~300 MiB
      // in the page cache; tpod's per-layer syncfs(2) would otherwise flush them inside
      // its own timed pull (a whole-filesystem flush), paying for the other tool's sample.
      await exec(['sync']);
      return (await tool.must(['pull', tlsFlag[name], cfg.big], { timeoutMs: 600_000 })).seconds;
    });
    return [row('pull-cold', 's', sides, { budget: ratioAtMost(0.7), note: `${cfg.bigDesc}, fresh store per pull, sync before each (untimed; stores deleted at the end of the run)` })];
  } finally {
    storesToDrop.push(...used);
  }
}

async function benchPullWarm() {
  const t = stores('warm');
  await pullAll(t, cfg.big);
  const sides = await alternate(N.pullWarm, async (name) => (await t[name].must(['pull', tlsFlag[name], cfg.big])).seconds);
  return [row('pull-warm', 's', sides, {
    note: 'the same image again, already in the store (manifest check only)',
    budget: { text: 'tpod < 0.2 s', check: (r) => r.tpod.stats.median < 0.2 },
  })];
}

async function benchImages() {
  const t = stores('images');
  const setup = {};
  const setupErr = {};
  for (const name of TOOLS) {
    const tool = t[name];
    log(`  ${name}: pulling ${cfg.manyCount} images from oci:${cfg.many}`);
    const t0 = now();
    // podman 4.3 names an image pulled from oci:DIR:TAG after DIR, not TAG: every pull
    // would take over the same name and leave the previous image untagged. Tag each one
    // img-N after its pull, so both stores end with 200 distinctly named images.
    const pullOne = async (i) => {
      const res = await tool.run(['pull', `oci:${cfg.many}:img-${i}`]);
      if (res.code !== 0 || name !== 'podman') return res;
      return tool.run(['tag', lastLine(res.stdout), `localhost/img-${i}:latest`]);
    };
    try {
      const first = await pullOne(0);
      if (first.code !== 0) await tool.must(['pull', `oci:${cfg.many}:img-0`]); // classify and throw
      let failed = 0;
      let firstError = null;
      await pool(cfg.manyCount - 1, SETUP_CONCURRENCY, async (i) => {
        const res = await pullOne(i + 1);
        if (res.code !== 0) { failed++; firstError ??= errLine(res.stderr); }
      });
      if (failed) throw new Error(`${name}: ${failed} of ${cfg.manyCount} oci: pulls failed: ${firstError}`);
      setup[name] = now() - t0;
      log(`  ${name}: pulled in ${setup[name].toFixed(1)} s`);
    } catch (err) {
      setupErr[name] = err;
    }
  }
  const sides = await alternate(N.images, async (name, i) => {
    if (setupErr[name]) throw setupErr[name];
    const res = await t[name].must(['images']);
    const listed = res.stdout.trim().split('\n').length - 1;
    if (i < 0 && listed !== cfg.manyCount) notes.add(`images-200: ${name} listed ${listed} images, expected ${cfg.manyCount}.`);
    return res.seconds;
  });
  const pulls = TOOLS.map((n) => `${n} ${setup[n] ? `${(cfg.manyCount / setup[n]).toFixed(1)}/s` : '–'}`).join(', ');
  return [row('images-200', 's', sides, { note: `\`images\` with ${cfg.manyCount} distinct images (setup: oci: pulls ${pulls}, ${SETUP_CONCURRENCY} parallel)` })];
}

async function benchInspect() {
  const t = stores('inspect');
  await pullAll(t);
  const ready = {};
  for (const name of TOOLS) {
    try { await t[name].must(['create', ...RUN, '--name', 'bench-inspect', cfg.image, 'true']); ready[name] = true; } catch (err) { ready[name] = err; }
  }
  const sides = await alternate(N.inspect, async (name) => {
    if (ready[name] !== true) throw ready[name];
    return (await t[name].must(['inspect', 'bench-inspect'])).seconds;
  });
  return [row('inspect', 's', sides, { note: '`inspect` of one created container' })];
}

export const BENCHMARKS = {
  'run-rm': benchRunRm,
  'run-rm-rootless': benchRunRmRootless,
  'run-d-rm': benchRunDRm,
  'ps-a': benchPsA,
  rss: benchRss,
  'pull-cold': benchPullCold,
  'pull-warm': benchPullWarm,
  'images-200': benchImages,
  inspect: benchInspect,
};

// ---- main ------------------------------------------------------------------------------------

async function main() {
  const t0 = now();
  // How tpod turns TLS off decides every registry pull; find out once, in a scratch store.
  const scratch = makeTool('tpod', join(cfg.work, 'scratch', 'tpod'), cfg);
  storesToDrop.push(scratch.dir);
  tlsFlag.tpod = await tlsOffFlag(scratch, cfg.image, notes);

  const rows = [];
  const timings = {};
  for (const name of cfg.names) {
    log(`${name}`);
    const b0 = now();
    try {
      rows.push(...await BENCHMARKS[name]());
    } catch (err) {
      // Setup of a benchmark failed (a pull, say): a row that says so, then go on.
      log(`  ${name} failed: ${err.message}`);
      const s = { tpod: { ...side(), status: 'error', error: err.message }, podman: { ...side(), status: 'error', error: err.message } };
      if (err instanceof NotImplemented) s.tpod.status = 'not implemented';
      rows.push(row(name, 's', s, { note: `setup failed: ${err.message}` }));
    }
    timings[name] = now() - b0;
    log(`  ${name}: ${timings[name].toFixed(1)} s`);
    // After every benchmark, so an interrupted run (a deadline, Ctrl-C) still reports.
    writeFileSync(cfg.out, JSON.stringify({ rows, notes: [...notes], timings, insideSeconds: now() - t0, tlsFlag }, null, 2));
  }
  // Stores are freed only now, never between benchmarks or samples: for up to 5 minutes
  // after inodes are deleted, ext4's allocator skips them (recently_deleted(), reading
  // inode tables), and pulls right after the deletion of 16k-file stores spent 10-14 s of
  // system time there (perf record -a), for either tool: the deletion, not the pull, set
  // the time. A few GiB stay on disk until the run ends.
  for (const dir of storesToDrop.splice(0)) {
    try {
      dropStore(dir);
    } catch (err) {
      log(`  could not remove ${dir}: ${err.message}`);
    }
  }
}

main().catch((err) => {
  log(`harness error: ${err.stack || err.message}`);
  process.exit(1);
});
