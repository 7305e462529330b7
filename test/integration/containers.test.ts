// Containers as a podman user sees them, run for real (runc, conmon, overlay) inside the
// systemd sandbox: exit codes, output and logs, --rm, stop, state kept across stop/start,
// and the errors podman prints. Every test names its own containers; each describe's store
// is emptied with `tpod rm -a -f -t 0` and removed afterwards, also when a test fails.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, eventually, inspectField, psAll, sleep, uniqueName } from '../helpers/containers.js';
import { runTpod, tpodOk } from '../helpers/tpod.js';

describe('tpod run: exit codes', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('passes the exit status of a foreground run through: 0, 1, 3', async () => {
    for (const [command, expected] of [
      [['true'], 0],
      [['false'], 1],
      [['sh', '-c', 'exit 3'], 3],
    ] as const) {
      const name = uniqueName('exit');
      const result = await runTpod(['run', '--name', name, 'busybox', ...command], { store });
      assert.equal(result.code, expected, `${command.join(' ')}: ${result.stderr}`);
      assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), String(expected));
      assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'exited');
    }
    // An exit status is not an error: --log-level debug prints no stack for it.
    const debug = await runTpod(['--log-level', 'debug', 'run', '--rm', 'busybox', 'sh', '-c', 'exit 3'], { store });
    assert.equal(debug.code, 3);
    assert.doesNotMatch(debug.stderr, /EEXIT|\n\s+at /);
  });

  it('exits 127 for a command that does not exist, saying so, and records 127', async () => {
    const name = uniqueName('nocmd');
    const result = await runTpod(['run', '--name', name, 'busybox', 'no-such-command'], { store });
    assert.equal(result.code, 127, result.stderr);
    assert.match(result.stderr, /executable file not found/);
    assert.match(result.stderr, /no-such-command/);
    // One line, tpod's: runc's own log line is not printed beside it.
    assert.match(result.stderr, /^Error: [^\n]+\n$/);
    assert.equal(result.stdout, '');
    assert.equal((await tpodOk(['inspect', '--format', '{{.State.ExitCode}}', name], { store })).trim(), '127');
  });

  it('exits 126 with one line naming the cause when the runtime cannot start the container', async () => {
    const name = uniqueName('badwd');
    // runc must create the working directory and cannot: /etc/passwd is a file.
    const result = await runTpod(['run', '--name', name, '--workdir', '/etc/passwd/sub', 'busybox', 'true'], { store });
    assert.equal(result.code, 126, result.stderr);
    assert.match(result.stderr, /^Error: [^\n]*\/etc\/passwd[^\n]*not a directory[^\n]*\n$/);
    assert.equal((await tpodOk(['inspect', '--format', '{{.State.ExitCode}}', name], { store })).trim(), '126');
    // A container that ran and failed is not a runtime failure: its own status, no error line.
    const failed = await runTpod(['run', '--rm', 'busybox', 'sh', '-c', 'echo oops >&2; exit 1'], { store });
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr, 'oops\n');
    // A container's own line that reads like runc's failure is kept, in order.
    const lookalike = await runTpod(['run', '--rm', 'busybox', 'sh', '-c', 'echo "runc run failed: mine" >&2; sleep 0.1; echo after >&2; echo "runc run failed: last" >&2'], { store });
    assert.equal(lookalike.code, 0, lookalike.stderr);
    assert.equal(lookalike.stderr, 'runc run failed: mine\nafter\nrunc run failed: last\n');
  });

  it('reports 137 for a detached container killed with tpod kill (wait and inspect)', async () => {
    const name = uniqueName('killed');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store });
    assert.equal((await tpodOk(['kill', name], { store })).trim(), name);
    assert.equal((await tpodOk(['wait', name], { store })).trim(), '137');
    assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), '137');
    assert.equal(await inspectField(store, name, '{{.State.Running}}'), 'false');
    assert.match((await psAll(store, '{{.Names}} {{.Status}}')).find((line) => line.startsWith(`${name} `)) ?? '', /Exited \(137\)/);
  });
});

describe('tpod run and tpod logs: output', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('keeps the command words in order even when one repeats a flag value (-u 1000 … 1000)', async () => {
    const run = await runTpod(['run', '--rm', '-u', '1000', '--name', uniqueName('words'), 'busybox', 'echo', '1000', 'b', '1000', 'b'], { store });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '1000 b 1000 b\n');
  });

  it('sends stdout and stderr to their own streams, and logs keeps them apart', async () => {
    const name = uniqueName('streams');
    const script = 'echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2';
    const run = await runTpod(['run', '--name', name, 'busybox', 'sh', '-c', script], { store });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'out-1\nout-2\n');
    assert.equal(run.stderr, 'err-1\nerr-2\n');

    const logs = await runTpod(['logs', name], { store });
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'out-1\nout-2\n');
    assert.equal(logs.stderr, 'err-1\nerr-2\n');


    const stamped = await runTpod(['logs', '-t', name], { store });
    const lines = stamped.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 2);
    for (const [i, line] of lines.entries()) {
      const [time, text] = line.split(' ');
      assert.ok(!Number.isNaN(Date.parse(time!)), `a timestamp first: ${line}`);
      assert.ok(Math.abs(Date.now() - Date.parse(time!)) < 60_000, `a recent time: ${line}`);
      assert.equal(text, `out-${i + 1}`);
    }
  });

  it('logs --tail N prints the last N lines', async () => {
    const name = uniqueName('tail');
    await tpodOk(['run', '--name', name, 'busybox', 'sh', '-c', 'for i in 1 2 3 4; do echo line-$i; done'], { store });
    assert.equal(await tpodOk(['logs', '--tail', '1', name], { store }), 'line-4\n');
    assert.equal(await tpodOk(['logs', '--tail', '2', name], { store }), 'line-3\nline-4\n');
    assert.equal(await tpodOk(['logs', name], { store }), 'line-1\nline-2\nline-3\nline-4\n');
  });

  it('logs -f of a detached container prints its output and ends when it exits', async () => {
    const name = uniqueName('follow');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'echo first; sleep 1; echo second >&2; echo third'], { store });
    const follow = await runTpod(['logs', '-f', name], { store, timeoutMs: 20_000 });
    assert.equal(follow.code, 0, follow.stderr);
    assert.equal(follow.stdout, 'first\nthird\n');
    assert.equal(follow.stderr, 'second\n');
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'exited');
  });
});

describe('tpod run --rm', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('removes the container after a foreground run', async () => {
    const name = uniqueName('rmfg');
    const result = await runTpod(['run', '--rm', '--name', name, 'busybox', 'sh', '-c', 'echo bye; exit 4'], { store });
    assert.equal(result.code, 4, result.stderr);
    assert.equal(result.stdout, 'bye\n');
    assert.ok(!(await psAll(store)).includes(name));
    const inspect = await runTpod(['inspect', name], { store });
    assert.equal(inspect.code, 125);
  });

  it('removes a detached container once it exits', async () => {
    const name = uniqueName('rmbg');
    const id = (await tpodOk(['run', '-d', '--rm', '--name', name, 'busybox', 'sleep', '3'], { store })).trim();
    assert.ok((await psAll(store)).includes(name), 'listed while it runs');
    await eventually(async () => ((await psAll(store)).includes(name) ? undefined : true), `${name} to be removed`, 20_000);
    assert.ok(!existsSync(join(store.root, 'containers', id)), 'its directory is gone');
  });
});

describe('tpod stop', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('stop -t 1 kills a container ignoring SIGTERM after about a second: 137', async () => {
    const name = uniqueName('stop1');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store });
    // What any tpod command costs on this machine, to tell the stop's own wait apart.
    const baseline = (await runTpod(['inspect', '--format', '{{.Id}}', name], { store })).durationMs;
    const stop = await runTpod(['stop', '-t', '1', name], { store });
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout.trim(), name);
    assert.match(stop.stderr, /resorting to SIGKILL/);
    assert.ok(stop.durationMs >= 1_000 && stop.durationMs < baseline + 4_000, `took ${stop.durationMs} ms (a tpod command: ${baseline} ms)`);
    assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), '137');
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'exited');
  });

  it('a container that handles SIGTERM stops at once with its own status 0', async () => {
    const name = uniqueName('trap');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'], { store });
    await sleep(300); // let sh install its trap
    const stop = await runTpod(['stop', '-t', '10', name], { store });
    assert.equal(stop.code, 0, stop.stderr);
    assert.doesNotMatch(stop.stderr, /SIGKILL/);
    assert.ok(stop.durationMs < 8_000, `took ${stop.durationMs} ms, not the 10 s timeout`);
    assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), '0');
    assert.equal((await tpodOk(['wait', name], { store })).trim(), '0');
  });

  it('keeps what the container wrote across stop and start, until rm', async () => {
    const name = uniqueName('keep');
    const script = 'if [ -e /keep ]; then echo again >> /keep; else echo data > /keep; fi; sleep 1000';
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', script], { store });
    const upper = await inspectField(store, name, '{{.GraphDriver.Data.UpperDir}}');
    const keep = join(upper, 'keep');
    await eventually(() => (existsSync(keep) ? true : undefined), `${keep} to be written`);
    await tpodOk(['stop', '-t', '0', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'exited');
    assert.equal(readFileSync(keep, 'utf8'), 'data\n');

    await tpodOk(['start', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'running');
    await eventually(() => (readFileSync(keep, 'utf8') === 'data\nagain\n' ? true : undefined), 'the second run to see the first run\'s file');
    await tpodOk(['stop', '-t', '0', name], { store });
    assert.equal(readFileSync(keep, 'utf8'), 'data\nagain\n');

    await tpodOk(['rm', name], { store });
    assert.ok(!existsSync(upper), `${upper} is gone with the container`);
  });
});

describe('tpod errors a podman user knows', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('refuses to rm a running container without -f (125), removes it with -f', async () => {
    const name = uniqueName('busy');
    const id = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const rm = await runTpod(['rm', name], { store });
    assert.equal(rm.code, 125);
    assert.match(rm.stderr, new RegExp(`cannot remove container ${id} as it is running`));
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'running');
    const forced = await runTpod(['rm', '-f', '-t', '0', name], { store });
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(!(await psAll(store)).includes(name));
  });

  it('refuses a name in use (125), and --replace replaces the old container', async () => {
    const name = uniqueName('clash');
    const first = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const clash = await runTpod(['run', '--name', name, 'busybox', 'true'], { store });
    assert.equal(clash.code, 125);
    assert.match(clash.stderr, new RegExp(`the container name "${name}" is already in use`));
    assert.equal(await inspectField(store, name, '{{.Id}}'), first, 'the first container is untouched');

    const replaced = await runTpod(['run', '--replace', '--name', name, 'busybox', 'echo', 'second'], { store });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(replaced.stdout, 'second\n');
    const second = await inspectField(store, name, '{{.Id}}');
    assert.notEqual(second, first);
    assert.ok(!(await psAll(store, '{{.Id}}')).includes(first), 'the old container is gone');
  });

  it('fails in one line (125) for an unknown image with --pull=never', async () => {
    const result = await runTpod(['run', '--pull=never', '--name', uniqueName('noimg'), 'localhost/no-such-image:1', 'true'], { store });
    assert.equal(result.code, 125);
    const lines = result.stderr.trim().split('\n').filter((line) => !line.startsWith('Try:'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^Error: .*no-such-image.*image not known/);
  });
});
