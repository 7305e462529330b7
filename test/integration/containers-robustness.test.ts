// tpod killed with SIGKILL at any moment of a foreground run, and many tpods at once:
// the store stays usable (ps, rm), and nothing is left behind — no mounts below the store,
// no scope of those containers, no container process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { activeUnitsOf, busyboxStore, eventually, inspectField, psAll, sleep, uniqueName } from '../helpers/containers.js';
import { mountsBelow } from '../helpers/store.js';
import { runTpod, TPOD_BIN, tpodEnv, type TempStore, type TpodResult } from '../helpers/tpod.js';

/** PIDs whose command line is exactly `sleep SECONDS` (a value unique to one test). */
function sleepers(seconds: string): number[] {
  const result = spawnSync('pgrep', ['-x', '-f', `sleep ${seconds}`], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).map(Number);
}

describe('tpod run killed with SIGKILL', () => {
  const store = busyboxStore('tpod-kill9-');
  before(() => store.ready);
  after(() => store.cleanup());

  it('at any moment: ps -a works, rm -a -f succeeds, no mounts, scopes or processes stay', async () => {
    const SECONDS = '3071'; // the containers' `sleep 3071`, found by pgrep afterwards
    const delays = [50, 200, 500, 700, 800, 900, 1_000, 1_100, 1_200, 1_300, 1_500, 2_000, 3_000];
    const names: string[] = [];
    for (const delay of delays) {
      const name = uniqueName(`k${delay}`);
      names.push(name);
      // stdio ignored: a container process still running must not hold our pipes open.
      const child = spawn(TPOD_BIN, ['run', '--name', name, 'busybox', 'sleep', SECONDS], { env: tpodEnv({ store }), stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await sleep(delay);
      child.kill('SIGKILL');
      await exited;
    }

    const ps = await runTpod(['ps', '-a', '--format', '{{.Names}} {{.State}}'], { store });
    assert.equal(ps.code, 0, ps.stderr);
    const ids = await psAll(store, '{{.Id}}');
    // The latest runs got far enough to have a record (and a running container).
    assert.ok(ids.length > 0, `some of ${names.join(' ')} recorded:\n${ps.stdout}`);

    const rm = await runTpod(['rm', '-a', '-f', '-t', '0'], { store, timeoutMs: 120_000 });
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(await psAll(store), []);
    assert.deepEqual(mountsBelow(store.path), []);
    assert.deepEqual(activeUnitsOf(ids), []);
    assert.deepEqual(sleepers(SECONDS), [], 'no container process survives');
    const dirs = existsSync(join(store.root, 'containers')) ? readdirSync(join(store.root, 'containers')) : [];
    assert.deepEqual(dirs.filter((entry) => /^[a-f0-9]{64}$/.test(entry)), [], 'no container directory, recorded or not, stays');
    const again = await runTpod(['run', '--rm', 'busybox', 'echo', 'still works'], { store });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'still works\n');
  });

  it('once the container runs: the container outlives tpod, ps still lists it, rm -f ends it', async () => {
    const SECONDS = '3072';
    const name = uniqueName('k-running');
    await killTpodOnceRunning(store, name, ['sleep', SECONDS]);
    const [id] = await psAll(store, '{{.Id}}');
    assert.ok(id);
    assert.ok((await psAll(store, '{{.Names}} {{.State}}')).includes(`${name} running`));
    assert.equal(sleepers(SECONDS).length, 1);

    const started = Date.now();
    const rm = await runTpod(['rm', '-f', '-t', '0', name], { store });
    assert.equal(rm.code, 0, rm.stderr);
    assert.ok(Date.now() - started < 15_000);
    assert.deepEqual(sleepers(SECONDS), []);
    assert.deepEqual(activeUnitsOf([id]), []);
    assert.deepEqual(mountsBelow(store.path), []);
  });
});

describe('a foreground container whose tpod was killed', () => {
  const store = busyboxStore('tpod-kill-status-');
  before(() => store.ready);
  after(() => store.cleanup());

  it('still gets its own exit status recorded when it ends by itself (7, not unknown)', async () => {
    const name = uniqueName('k-status');
    await killTpodOnceRunning(store, name, ['sh', '-c', 'sleep 2; exit 7']);
    const code = await eventually(async () => {
      const state = await inspectField(store, name, '{{.State.Status}} {{.State.ExitCode}}');
      return state.startsWith('exited') ? state : undefined;
    }, `${name} to exit`, 15_000);
    assert.equal(code, 'exited 7');
    assert.deepEqual(mountsBelow(store.path), []);
  });
});

describe('many tpods at once', () => {
  const store = busyboxStore('tpod-many-');
  before(() => store.ready);
  after(() => store.cleanup());

  it('20 parallel run -d, then 20 parallel rm -f: all succeed, nothing left', async () => {
    const names = Array.from({ length: 20 }, (_, i) => uniqueName(`par${i}`));
    const runs: TpodResult[] = await Promise.all(
      names.map((name) => runTpod(['run', '-d', '--name', name, 'busybox', 'sleep', '3073'], { store, timeoutMs: 180_000 })),
    );
    for (const [i, run] of runs.entries()) assert.equal(run.code, 0, `${names[i]}: ${run.stderr}`);
    const ids = runs.map((run) => run.stdout.trim());
    assert.equal(new Set(ids).size, 20);
    const listed = await psAll(store, '{{.Names}} {{.State}}');
    assert.deepEqual(listed.sort(), names.map((name) => `${name} running`).sort());
    assert.equal(sleepers('3073').length, 20);

    const removals = await Promise.all(names.map((name) => runTpod(['rm', '-f', '-t', '0', name], { store, timeoutMs: 180_000 })));
    for (const [i, rm] of removals.entries()) assert.equal(rm.code, 0, `${names[i]}: ${rm.stderr}`);
    assert.deepEqual(await psAll(store), []);
    assert.deepEqual(mountsBelow(store.path), []);
    assert.deepEqual(activeUnitsOf(ids), []);
    assert.deepEqual(sleepers('3073'), []);
  });
});

/** `tpod run --name NAME busybox COMMAND…` in the foreground, SIGKILLed once ps shows it running. */
async function killTpodOnceRunning(store: TempStore, name: string, command: string[]): Promise<void> {
  const child = spawn(TPOD_BIN, ['run', '--name', name, 'busybox', ...command], { env: tpodEnv({ store }), stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!(await psAll(store, '{{.Names}} {{.State}}')).includes(`${name} running`)) {
    assert.ok(Date.now() < deadline, `${name} never ran`);
    await sleep(50);
  }
  child.kill('SIGKILL');
  await exited;
}
