// `tpod logs` beyond the basics (containers.test.ts): the journald driver, read back by
// tpod and by journalctl itself, and the time filters --since/--until with -t, for both
// drivers. The boundaries come from the lines' own timestamps, so nothing is assumed about
// how fast this machine is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, eventually, inspectField, uniqueName } from '../helpers/containers.js';
import { runTpod, tpodOk } from '../helpers/tpod.js';

/** journalctl as a user runs it, matching one field. */
function journalctl(...args: string[]): string {
  const result = spawnSync('journalctl', ['--no-pager', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** Runs a detached container printing `early`, then after a pause `late`; waits for its end. */
async function earlyThenLate(store: ReturnType<typeof busyboxStore>, driver: string): Promise<string> {
  const name = uniqueName(`times-${driver}`);
  await tpodOk(['run', '-d', '--name', name, '--log-driver', driver, 'busybox', 'sh', '-c', 'echo early; sleep 3; echo late'], { store });
  assert.equal((await tpodOk(['wait', name], { store })).trim(), '0');
  return name;
}

describe('tpod logs --log-driver journald', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('tpod logs shows a detached container\'s lines, stdout and stderr apart', async () => {
    const name = uniqueName('journal');
    const id = (await tpodOk(['run', '-d', '--name', name, '--log-driver', 'journald', 'busybox', 'sh', '-c', 'echo j-out-1; echo j-err-1 >&2; echo j-out-2'], { store })).trim();
    assert.equal((await tpodOk(['wait', name], { store })).trim(), '0');
    assert.equal(await inspectField(store, name, '{{.HostConfig.LogConfig.Type}}'), 'journald');
    const logs = await eventually(async () => {
      const result = await runTpod(['logs', name], { store });
      return result.stdout.includes('j-out-2') ? result : undefined;
    }, 'the journal to have the lines');
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'j-out-1\nj-out-2\n');
    assert.equal(logs.stderr, 'j-err-1\n');
    // stdout and stderr are separate pipes: their relative order is not kept, so --tail on one.
    const tail = uniqueName('jtail');
    await tpodOk(['run', '-d', '--name', tail, '--log-driver', 'journald', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo t-$i; done'], { store });
    await tpodOk(['wait', tail], { store });
    await eventually(async () => ((await tpodOk(['logs', tail], { store })).includes('t-3') ? true : undefined), 'the tail container\'s lines');
    assert.equal(await tpodOk(['logs', '--tail', '2', tail], { store }), 't-2\nt-3\n');
    assert.equal(await tpodOk(['logs', id], { store }), 'j-out-1\nj-out-2\n', 'by ID too');
  });

  it('journalctl finds the lines by container name, ID and tag (CONTAINER_NAME, CONTAINER_ID_FULL, -t)', async () => {
    const name = uniqueName('journalctl');
    const id = (await tpodOk(['run', '-d', '--name', name, '--log-driver', 'journald', 'busybox', 'sh', '-c', 'echo seen-by-journalctl'], { store })).trim();
    await tpodOk(['wait', name], { store });
    const byName = await eventually(() => journalctl('-o', 'cat', `CONTAINER_NAME=${name}`) || undefined, 'journalctl CONTAINER_NAME');
    // conmon keeps each line's newline in MESSAGE (as under podman): -o cat shows a blank line after it.
    const lines = (text: string) => text.split('\n').filter(Boolean);
    assert.deepEqual(lines(byName), ['seen-by-journalctl']);
    assert.deepEqual(lines(journalctl('-o', 'cat', `CONTAINER_ID_FULL=${id}`)), ['seen-by-journalctl']);
    assert.deepEqual(lines(journalctl('-o', 'cat', `CONTAINER_ID=${id.slice(0, 12)}`)), ['seen-by-journalctl']);
    assert.deepEqual(lines(journalctl('-o', 'cat', '-t', name)), ['seen-by-journalctl']);
    assert.deepEqual(lines(journalctl('-o', 'cat', `CONTAINER_NAME=${uniqueName('nobody')}`)), []);
  });

  it('a foreground run shows its output and writes it to the journal as a detached one does', async () => {
    const name = uniqueName('jfore');
    const run = await runTpod(['run', '--name', name, '--log-driver', 'journald', 'busybox', 'sh', '-c', 'echo f-out-1; echo f-err-1 >&2; echo f-out-2; printf f-partial'], { store });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'f-out-1\nf-out-2\nf-partial', 'the terminal gets the output live, unchanged');
    assert.equal(run.stderr, 'f-err-1\n');
    // Sent before the run returns; journald stores datagrams on its own time.
    const logs = await eventually(async () => {
      const result = await runTpod(['logs', name], { store });
      return result.stdout.includes('f-partial') && result.stderr ? result : undefined;
    }, 'the journal to have the lines');
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'f-out-1\nf-out-2\nf-partial');
    assert.equal(logs.stderr, 'f-err-1\n');
    const lines = (text: string) => text.split('\n').filter(Boolean);
    assert.deepEqual(lines(journalctl('-o', 'cat', `CONTAINER_NAME=${name}`, 'PRIORITY=6')), ['f-out-1', 'f-out-2', 'f-partial']);
    assert.deepEqual(lines(journalctl('-o', 'cat', '-t', name, 'PRIORITY=3')), ['f-err-1']);
    // --rm: the container goes, its journal entries stay (as podman's).
    const gone = uniqueName('jfore-rm');
    assert.equal((await runTpod(['run', '--rm', '--name', gone, '--log-driver', 'journald', 'busybox', 'echo', 'kept'], { store })).stdout, 'kept\n');
    assert.deepEqual(lines(await eventually(() => journalctl('-o', 'cat', `CONTAINER_NAME=${gone}`) || undefined, 'the --rm line')), ['kept']);
  });

  it('logs -f follows the journal and ends when the container exits', async () => {
    const name = uniqueName('jfollow');
    await tpodOk(['run', '-d', '--name', name, '--log-driver', 'journald', 'busybox', 'sh', '-c', 'echo first; sleep 2; echo second'], { store });
    const follow = await runTpod(['logs', '-f', name], { store, timeoutMs: 30_000 });
    assert.equal(follow.code, 0, follow.stderr);
    assert.equal(follow.stdout, 'first\nsecond\n');
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'exited');
  });
});

for (const driver of ['k8s-file', 'journald']) {
  describe(`tpod logs --since/--until/-t (${driver})`, () => {
    const store = busyboxStore();
    before(() => store.ready);
    after(() => store.cleanup());

    it('-t prefixes each line with the time it was written; --since and --until cut at a time between', async () => {
      const name = await earlyThenLate(store, driver);
      const stamped = await eventually(async () => {
        const out = await tpodOk(['logs', '-t', name], { store });
        return out.includes('late') ? out : undefined;
      }, 'both lines in the log');
      const lines = stamped.split('\n').filter(Boolean);
      assert.equal(lines.length, 2, stamped);
      const [early, late] = lines.map((line) => {
        const [time, text] = line.split(' ');
        const at = Date.parse(time!);
        assert.ok(!Number.isNaN(at), `a timestamp first: ${line}`);
        assert.ok(Math.abs(Date.now() - at) < 120_000, `a recent time: ${line}`);
        return { at, text };
      });
      assert.deepEqual([early!.text, late!.text], ['early', 'late']);
      assert.ok(late!.at - early!.at >= 2_500, `the lines are 3 s apart: ${stamped}`);

      const between = new Date((early!.at + late!.at) / 2).toISOString();
      assert.equal(await tpodOk(['logs', '--since', between, name], { store }), 'late\n');
      assert.equal(await tpodOk(['logs', '--until', between, name], { store }), 'early\n');
      const unix = ((early!.at + late!.at) / 2000).toFixed(3);
      assert.equal(await tpodOk(['logs', '--since', unix, name], { store }), 'late\n', 'a unix timestamp');
      assert.equal(await tpodOk(['logs', '--since', '10m', name], { store }), 'early\nlate\n', 'a duration');
      assert.equal(await tpodOk(['logs', '--since', new Date(late!.at + 60_000).toISOString(), name], { store }), '');
      const bad = await runTpod(['logs', '--since', 'yesterday-ish', name], { store });
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /invalid time "yesterday-ish"/);
    });
  });
}
