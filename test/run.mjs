#!/usr/bin/env node
// The test driver behind `npm test` (after `npm run build`):
//
//   node test/run.mjs [unit|integration|all]        (default: all)
//
// unit         node --test over dist/test/unit/**/*.test.js, on the host.
// integration  needs root (it boots systemd and runs containers; without root it fails, it
//              never skips): builds the fixture images (test/fixtures/build-images.sh,
//              cached), boots the systemd sandbox (test/harness/sandbox.sh, stopped first
//              if a stale one runs under the same name), starts docker-registry on a free
//              127.0.0.1 port and pushes the fixtures, then runs node --test over
//              dist/test/integration/**/*.test.js INSIDE the sandbox with
//              TPOD_TEST_REGISTRY=127.0.0.1:PORT and TPOD_TEST_FIXTURES=<fixture cache>.
//              Registry and sandbox are stopped afterwards, also on SIGINT/SIGTERM.
//              Test files run one at a time (--test-concurrency=1): they share one
//              systemd, one registry and the host's runtimes, and ordered output reads better.
//
// Output: spec reporter on stdout; a TAP file per tier (unit.tap, integration.tap) and the
// test registry's log (registry.log) in .cache/test-results/ (or $TPOD_TEST_RESULTS). The last line sums the TAP files, e.g.
//   tests: 12 passed, 0 failed, 0 skipped
// (cancelled tests count as failed). Exit status 0 only if every tier ran and nothing failed.
//
// Environment: TPOD_TEST_ONLY (comma-separated file-name words: run only those files),
// SANDBOX_NAME (default tpod-test-sandbox), TPOD_TEST_FIXTURES (fixture cache
// dir, default .cache/fixtures), TPOD_TEST_RESULTS, TPOD_TEST_TIMEOUT_MS (per test; default
// 120000 unit, 300000 integration).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushFixtures, startRegistry } from './harness/registry.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SANDBOX = join(repo, 'test', 'harness', 'sandbox.sh');
const BUILD_FIXTURES = join(repo, 'test', 'fixtures', 'build-images.sh');
const sandboxName = process.env.SANDBOX_NAME || 'tpod-test-sandbox';
const fixturesDir = resolve(process.env.TPOD_TEST_FIXTURES || join(repo, '.cache', 'fixtures'));
const resultsDir = resolve(process.env.TPOD_TEST_RESULTS || join(repo, '.cache', 'test-results'));

const say = (msg) => process.stdout.write(`${msg}\n`);
const warn = (msg) => process.stderr.write(`${msg}\n`);
const secondsSince = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

// ---- interruption --------------------------------------------------------------------------
// First SIGINT/SIGTERM: stop the running step and fall through to the normal cleanup.
// Second: clean up synchronously right now and exit.
let interrupted = null;
let onInterrupt = () => {};
const cleanups = []; // synchronous last-resort cleanups for a second signal
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupted) {
      warn(`${sig} again: cleaning up now`);
      for (const fn of cleanups.reverse()) { try { fn(); } catch { /* best effort */ } }
      process.exit(130);
    }
    interrupted = sig;
    warn(`\n${sig}: stopping the tests, then cleaning up (send it again to hurry)`);
    onInterrupt();
  });
}
class Interrupted extends Error {}
const checkInterrupted = () => { if (interrupted) throw new Interrupted(interrupted); };

/** Run a command with inherited stdout/stderr; resolves to its exit status (128+n on signal). */
function run(cmd, args, { env = process.env, stdin = 'ignore', stdout = 'inherit' } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: repo, env, stdio: [stdin, stdout, 'inherit'] });
    if (stdout === 'pipe') child.stdout.resume(); // only the exit status matters
    const prev = onInterrupt;
    // On interrupt stop waiting: the caller's cleanup (sandbox stop) ends what runs inside.
    onInterrupt = () => { try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ } reject(new Interrupted(interrupted)); };
    child.on('error', (err) => { onInterrupt = prev; reject(err); });
    child.on('close', (code, signal) => { onInterrupt = prev; resolvePromise(code ?? 128 + (osConstants.signals[signal] ?? 0)); });
  });
}

/** Every *.test.js below dir, sorted (node 20 does not expand globs in --test arguments). */
function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: false })
    .map(String)
    .filter((f) => f.endsWith('.test.js') && selected(f))
    .map((f) => join(dir, f))
    .sort();
}

// TPOD_TEST_ONLY=word[,word…] runs only the test files whose name contains a word (for
// working on one area; the summary line then says so, and CI never sets it).
const only = (process.env.TPOD_TEST_ONLY ?? '').split(',').filter(Boolean);
function selected(file) {
  return only.length === 0 || only.some((word) => file.includes(word));
}

function tapCounts(file) {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const counts = {};
  for (const key of ['pass', 'fail', 'cancelled', 'skipped', 'todo']) {
    // The summary lines are the last "# key N" at column 0.
    const all = [...text.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))];
    if (all.length === 0) return null;
    counts[key] = Number(all[all.length - 1][1]);
  }
  return counts;
}

function nodeTestArgs(tier, files, { concurrency, timeoutMs }) {
  const tap = join(resultsDir, `${tier}.tap`);
  rmSync(tap, { force: true });
  return {
    tap,
    args: [
      '--test',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      `--test-timeout=${timeoutMs}`,
      ...(concurrency ? [`--test-concurrency=${concurrency}`] : []),
      ...files.map((f) => relative(repo, f)),
    ],
  };
}

// ---- tiers -----------------------------------------------------------------------------------

async function unitTier() {
  const files = findTests(join(repo, 'dist', 'test', 'unit'));
  if (files.length === 0) throw new Error('no test files in dist/test/unit (run `npm run build` first)');
  const timeoutMs = Number(process.env.TPOD_TEST_TIMEOUT_MS) || 120_000;
  const { tap, args } = nodeTestArgs('unit', files, { timeoutMs });
  say(`== unit: ${files.length} files`);
  const code = await run(process.execPath, args);
  return { code, tap };
}

function requireTools() {
  const missing = ['docker-registry', 'skopeo', 'umoci', 'unshare', 'nsenter', 'findmnt', 'htpasswd']
    .filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  if (!existsSync('/usr/lib/systemd/systemd')) missing.push('systemd');
  if (missing.length > 0) {
    throw new Error(`integration tests need: ${missing.join(', ')} (install them with scripts/setup.sh)`);
  }
}

async function integrationTier() {
  const files = findTests(join(repo, 'dist', 'test', 'integration'));
  if (files.length === 0) throw new Error('no test files in dist/test/integration (run `npm run build` first)');
  requireTools();
  const sandboxEnv = { ...process.env, SANDBOX_NAME: sandboxName };
  let t = Date.now();

  say(`== integration: fixtures (${fixturesDir})`);
  if ((await run('bash', [BUILD_FIXTURES, fixturesDir])) !== 0) throw new Error('building the fixture images failed');
  checkInterrupted();
  t = Date.now();

  let registry;
  let registryDir;
  let sandboxStarted = false;
  const stopSandboxSync = () => spawnSync('bash', [SANDBOX, 'stop'], { env: sandboxEnv, stdio: 'inherit' });
  cleanups.push(() => { if (registry) try { process.kill(registry.pid, 'SIGKILL'); } catch { /* gone */ } });
  cleanups.push(() => { if (registryDir) rmSync(registryDir, { recursive: true, force: true }); });
  cleanups.push(() => { if (sandboxStarted) stopSandboxSync(); });
  try {
    // A stale sandbox of an interrupted run would carry its state over: start fresh.
    sandboxStarted = true;
    if ((await run('bash', [SANDBOX, 'stop'], { env: sandboxEnv })) !== 0) throw new Error('stopping a stale sandbox failed');
    if ((await run('bash', [SANDBOX, 'start'], { env: sandboxEnv, stdout: 'pipe' })) !== 0) {
      throw new Error(`starting the systemd sandbox ${sandboxName} failed`);
    }
    say(`== integration: sandbox ${sandboxName} up (${secondsSince(t)})`);
    checkInterrupted();

    t = Date.now();
    registryDir = mkdtempSync(join(tmpdir(), 'tpod-test-registry-'));
    registry = await startRegistry({ dir: registryDir });
    checkInterrupted();
    await pushFixtures(registry, fixturesDir);
    say(`== integration: registry ${registry.host} (pid ${registry.pid}) with fixtures (${secondsSince(t)})`);
    checkInterrupted();

    const timeoutMs = Number(process.env.TPOD_TEST_TIMEOUT_MS) || 300_000;
    const { tap, args } = nodeTestArgs('integration', files, { concurrency: 1, timeoutMs });
    say(`== integration: ${files.length} files inside the sandbox`);
    const env = { ...sandboxEnv, TPOD_TEST_REGISTRY: registry.host, TPOD_TEST_FIXTURES: fixturesDir };
    const code = await run('bash', [SANDBOX, 'exec', process.execPath, ...args], { env });
    return { code, tap };
  } finally {
    t = Date.now();
    if (registry) {
      await registry.stop();
      // Kept for post-mortems of registry-related failures.
      try { copyFileSync(registry.log, join(resultsDir, 'registry.log')); } catch { /* no log */ }
    }
    if (registryDir) rmSync(registryDir, { recursive: true, force: true });
    if (sandboxStarted) await run('bash', [SANDBOX, 'stop'], { env: sandboxEnv }).catch(() => stopSandboxSync());
    say(`== integration: registry and sandbox stopped (${secondsSince(t)})`);
  }
}

// ---- main ------------------------------------------------------------------------------------

const which = process.argv[2] ?? 'all';
const tiers = { unit: [unitTier], integration: [integrationTier], all: [unitTier, integrationTier] }[which];
if (!tiers || process.argv.length > 3) {
  warn('usage: node test/run.mjs [unit|integration|all]');
  process.exit(2);
}
if (tiers.includes(integrationTier) && process.getuid?.() !== 0) {
  warn('error: the integration tests need root: they boot systemd in a sandbox (namespaces, cgroups) and run containers.');
  warn('Run `npm test` as root, or only the unit tier with `npm run test:unit`.');
  process.exit(1);
}
mkdirSync(resultsDir, { recursive: true });

const total = { pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
let failed = false;
const started = Date.now();
for (const tier of tiers) {
  const name = tier === unitTier ? 'unit' : 'integration';
  const t = Date.now();
  try {
    checkInterrupted();
    const { code, tap } = await tier();
    const counts = tapCounts(tap);
    if (!counts) {
      failed = true;
      warn(`${name}: no test summary in ${tap} (node --test exited ${code})`);
      continue;
    }
    for (const k of Object.keys(total)) total[k] += counts[k];
    if (code !== 0 || counts.fail > 0 || counts.cancelled > 0) failed = true;
    say(`${name}: ${counts.pass} passed, ${counts.fail + counts.cancelled} failed, ${counts.skipped} skipped (${secondsSince(t)}; ${tap.startsWith(`${repo}/`) ? relative(repo, tap) : tap})`);
  } catch (err) {
    failed = true;
    if (err instanceof Interrupted) break;
    warn(`${name}: ${err.message}`);
  }
}
if (interrupted) { failed = true; warn(`interrupted by ${interrupted}`); }
say(`(${secondsSince(started)})`);
const todo = total.todo > 0 ? `, ${total.todo} todo` : '';
say(`tests: ${total.pass} passed, ${total.fail + total.cancelled} failed, ${total.skipped} skipped${todo}${only.length ? ` (only files matching ${only.join(",")})` : ""}`);
process.exit(interrupted ? 130 : failed ? 1 : 0);
