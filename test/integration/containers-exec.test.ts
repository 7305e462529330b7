// `tpod exec` as a podman user relies on it: output and exit status passed through, the
// process settings (-e, -u by number and by the image's /etc/passwd name, -w), -d, -i with
// stdin, and the refusals for a container that is not running. (`exec -it` is in
// containers-tty.test.ts, on a real terminal.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, eventually, uniqueName } from '../helpers/containers.js';
import { runTpod, tpodOk } from '../helpers/tpod.js';

describe('tpod exec', () => {
  const store = busyboxStore();
  const name = uniqueName('exec');
  before(async () => {
    await store.ready;
    await tpodOk(['run', '-d', '--name', name, '-e', 'FROM_RUN=run-value', 'busybox', 'sleep', '1000'], { store });
  });
  after(() => store.cleanup());

  it('passes stdout, stderr and the exit status through: exit 3 is 3', async () => {
    const result = await runTpod(['exec', name, 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3'], { store });
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, 'to-out\n');
    assert.equal(result.stderr, 'to-err\n');
    assert.equal((await runTpod(['exec', name, 'true'], { store })).code, 0);
    assert.equal((await runTpod(['exec', name, 'false'], { store })).code, 1);
  });

  it('runs in the container: same PID namespace and root filesystem as its process', async () => {
    assert.equal(await tpodOk(['exec', name, 'cat', '/proc/1/cmdline'], { store }), 'sleep\u00001000\u0000');
    await tpodOk(['exec', name, 'sh', '-c', 'echo shared > /tmp/exec-file'], { store });
    assert.equal(await tpodOk(['exec', name, 'cat', '/tmp/exec-file'], { store }), 'shared\n');
  });

  it('-e adds variables to the container\'s environment (which it keeps)', async () => {
    const out = await tpodOk(['exec', '-e', 'A=1', '-e', 'B=two words', name, 'sh', '-c', 'echo "$A|$B|$FROM_RUN"'], { store });
    assert.equal(out, '1|two words|run-value\n');
    assert.equal(await tpodOk(['exec', name, 'sh', '-c', 'echo "${A:-unset}"'], { store }), 'unset\n', 'only for that exec');
  });

  it('-u takes a numeric uid:gid and a name from the image\'s /etc/passwd', async () => {
    assert.equal(await tpodOk(['exec', name, 'id', '-u'], { store }), '0\n', 'root by default');
    assert.equal(await tpodOk(['exec', '-u', '1234:4321', name, 'sh', '-c', 'echo $(id -u):$(id -g)'], { store }), '1234:4321\n');
    const passwd = await tpodOk(['exec', name, 'cat', '/etc/passwd'], { store });
    const nobody = passwd.split('\n').find((line) => line.startsWith('nobody:'));
    assert.ok(nobody, `the image has a nobody user:\n${passwd}`);
    const [, , uid, gid] = nobody.split(':');
    assert.equal(await tpodOk(['exec', '-u', 'nobody', name, 'sh', '-c', 'echo $(id -u):$(id -g):$(id -un)'], { store }), `${uid}:${gid}:nobody\n`);
    const unknown = await runTpod(['exec', '-u', 'no-such-user', name, 'true'], { store });
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /no-such-user/);
  });

  it('-w sets the working directory; without it the container\'s is used', async () => {
    assert.equal(await tpodOk(['exec', '-w', '/tmp', name, 'pwd'], { store }), '/tmp\n');
    assert.equal(await tpodOk(['exec', name, 'pwd'], { store }), '/\n');
  });

  it('-i passes stdin through; without -i the process gets no input', async () => {
    const piped = await runTpod(['exec', '-i', name, 'sh', '-c', 'tr a-z A-Z; echo status=$?'], { store, input: 'hello exec\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, 'HELLO EXEC\nstatus=0\n');
    const closed = await runTpod(['exec', name, 'sh', '-c', 'cat; echo end'], { store, input: 'ignored\n' });
    assert.equal(closed.code, 0, closed.stderr);
    assert.equal(closed.stdout, 'end\n');
  });

  it('-d returns at once and the process keeps running in the container', async () => {
    const started = Date.now();
    const detached = await runTpod(['exec', '-d', name, 'sh', '-c', 'sleep 6; echo done > /tmp/detached'], { store });
    assert.equal(detached.code, 0, detached.stderr);
    const took = Date.now() - started;
    assert.equal((await runTpod(['exec', name, 'test', '-e', '/tmp/detached'], { store })).code, 1, `not written yet (exec -d took ${took} ms)`);
    assert.equal(
      await eventually(async () => ((await runTpod(['exec', name, 'cat', '/tmp/detached'], { store })).stdout || undefined), 'the detached process to finish', 15_000),
      'done\n',
    );
    const missing = await runTpod(['exec', '-d', name, 'no-such-command'], { store });
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /executable file not found/);
  });

  it('-d prints the session ID; inspect lists every session while its process runs (ExecIDs)', async () => {
    const execIds = async (): Promise<string[]> => JSON.parse(await tpodOk(['inspect', '--format', '{{json .ExecIDs}}', name], { store })) as string[];
    const detached = await runTpod(['exec', '-d', name, 'sleep', '2'], { store });
    assert.equal(detached.code, 0, detached.stderr);
    const id = detached.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/, 'a 64-digit session ID, as podman prints');
    assert.ok((await execIds()).includes(id), 'listed while it runs');
    await eventually(async () => ((await execIds()).includes(id) ? undefined : true), 'the ended session to leave ExecIDs', 10_000);
    // An attached session is listed while its command runs, and not after.
    const before = await execIds();
    const attached = runTpod(['exec', name, 'sleep', '2'], { store });
    const added = await eventually(async () => {
      const fresh = (await execIds()).filter((other) => !before.includes(other));
      return fresh.length > 0 ? fresh : undefined;
    }, 'the attached session in ExecIDs');
    assert.equal(added.length, 1);
    assert.match(added[0]!, /^[0-9a-f]{64}$/);
    assert.equal((await attached).code, 0);
    assert.equal((await execIds()).includes(added[0]!), false, 'gone once the command returned');
  });

  it('a command that does not exist: 127 and podman\'s message; not executable: 126', async () => {
    const missing = await runTpod(['exec', name, 'no-such-command'], { store });
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /executable file not found/);
    const notExec = await runTpod(['exec', name, '/etc/passwd'], { store });
    assert.equal(notExec.code, 126, notExec.stderr);
  });
});

describe('tpod exec refusals', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('refuses a created, an exited and an unknown container with 125 and one line', async () => {
    const created = uniqueName('created');
    await tpodOk(['create', '--name', created, 'busybox', 'sleep', '1000'], { store });
    const exited = uniqueName('exited');
    await tpodOk(['run', '--name', exited, 'busybox', 'true'], { store });
    for (const target of [created, exited]) {
      const result = await runTpod(['exec', target, 'true'], { store });
      assert.equal(result.code, 125, `${target}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^Error: can only create exec sessions on running containers/);
    }
    const unknown = await runTpod(['exec', 'no-such-container', 'true'], { store });
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /no container with name or ID "no-such-container" found/);
  });

  it('refuses a container that was stopped after it ran', async () => {
    const name = uniqueName('stopped');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store });
    assert.equal(await tpodOk(['exec', name, 'echo', 'alive'], { store }), 'alive\n');
    await tpodOk(['stop', '-t', '0', name], { store });
    const result = await runTpod(['exec', name, 'echo', 'alive'], { store });
    assert.equal(result.code, 125, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /can only create exec sessions on running containers/);
  });
});
