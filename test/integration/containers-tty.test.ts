// `-it` as a user at a terminal sees it, through a real pseudo-terminal (util-linux script):
// the container gets a terminal of its own with the user's window size, what is typed
// reaches it, Ctrl-C reaches its foreground process, and its exit status is tpod's. Also
// `exec -it` into a running container, and `-i` without `-t` (no terminal, input still
// flows).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, eventually, psAll, uniqueName } from '../helpers/containers.js';
import { ptyTpod } from '../helpers/pty.js';
import { tpodOk } from '../helpers/tpod.js';

/** Command lines of the processes this test can see (the sandbox's, containers' included). */
function runningCommands(): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        return '';
      }
    });
}

describe('tpod run -it on a terminal', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('gives the container a terminal of the user\'s size and passes its exit status through', async () => {
    const name = uniqueName('tty');
    const session = ptyTpod(['run', '-it', '--rm', '--name', name, 'busybox', 'sh', '-c', 'tty; stty size; exit 5'], { store, rows: 33, cols: 77 });
    const { code, output } = await session.exited;
    assert.equal(code, 5, output);
    assert.match(output, /^\/dev\/pts\/\d+\r$/m, 'tty names a pty inside the container');
    assert.match(output, /^33 77\r$/m, 'stty size is the terminal\'s');
    assert.ok(!(await psAll(store)).includes(name), '--rm removed it');
  });

  it('what the container writes to its terminal is in tpod logs afterwards, as podman logs a terminal', async () => {
    const name = uniqueName('ttylog');
    const session = ptyTpod(['run', '-t', '--name', name, 'busybox', 'sh', '-c', 'echo first line; echo second line >&2; exit 3'], { store, rows: 24, cols: 80 });
    const { code, output } = await session.exited;
    assert.equal(code, 3, output);
    assert.match(output, /^first line\r$/m, 'shown on the terminal as before');
    assert.match(output, /^second line\r$/m);
    // Both streams went through the container's terminal: both are in the log, as stdout.
    const logs = await tpodOk(['logs', name], { store });
    assert.match(logs, /^first line\r?$/m, logs);
    assert.match(logs, /^second line\r?$/m, logs);
    await tpodOk(['rm', name], { store });
  });

  it('a command that does not exist: 127 and one error line on the terminal, not runc\'s as well', async () => {
    const session = ptyTpod(['run', '-it', '--rm', 'busybox', 'no-such-command'], { store, rows: 24, cols: 80 });
    const { code, output } = await session.exited;
    assert.equal(code, 127, output);
    assert.match(output, /^Error: .*no-such-command.*executable file not found/m);
    assert.equal(output.match(/executable file not found/g)?.length, 1, output);
  });

  it('a different window size is seen as such, from the command\'s first instant', async () => {
    const name = uniqueName('size');
    const session = ptyTpod(['run', '-it', '--name', name, 'busybox', 'stty', 'size'], { store, rows: 12, cols: 101 });
    const { code, output } = await session.exited;
    assert.equal(code, 0, output);
    assert.match(output, /^12 101\r$/m);
    // Set before the command starts (runc applies process.consoleSize), not by a resize
    // racing it: without it a quick `stty size` sometimes saw a 0x0 terminal.
    const config = JSON.parse(readFileSync(await tpodOk(['inspect', '--format', '{{.OCIConfigPath}}', name], { store }).then((p) => p.trim()), 'utf8')) as {
      process: { consoleSize?: unknown };
    };
    assert.deepEqual(config.process.consoleSize, { height: 12, width: 101 });
  });

  it('what is typed reaches an interactive shell, and exit N is tpod\'s status', async () => {
    const name = uniqueName('shell');
    const session = ptyTpod(['run', '-it', '--name', name, 'busybox', 'sh'], { store });
    await session.waitFor(/\/ # /);
    session.type('echo typed-$((6*7))\r');
    await session.waitFor(/^typed-42\r$/m);
    session.type('exit 4\r');
    const { code, output } = await session.exited;
    assert.equal(code, 4, output);
    assert.equal(await tpodOk(['inspect', '--format', '{{.State.ExitCode}} {{.Config.Tty}}', name], { store }), '4 true\n');
  });

  it('Ctrl-C reaches the container\'s foreground process, not just tpod', async () => {
    // The shell traps SIGINT and waits for a sleep (a builtin wait returns at once on a
    // trapped signal; a foreground command would delay the trap until it ends): it reports
    // the interrupt and exits with its own status, so the status proves it arrived inside.
    const script = 'trap "echo got-sigint; exit 7" INT; sleep 100 & echo ready; wait; echo not-interrupted';
    const session = ptyTpod(['run', '-it', '--rm', 'busybox', 'sh', '-c', script], { store });
    await session.waitFor(/ready\r\n/);
    const typedAt = Date.now();
    session.type('\x03');
    const { code, output } = await session.exited;
    assert.match(output, /got-sigint/);
    assert.doesNotMatch(output, /not-interrupted/);
    assert.equal(code, 7, output);
    assert.ok(Date.now() - typedAt < 30_000, 'not the 100 s sleep');
  });

  it('Ctrl-C at an interactive shell ends the running command and the shell carries on', async () => {
    const session = ptyTpod(['run', '-it', '--rm', 'busybox', 'sh'], { store });
    await session.waitFor(/\/ # /);
    session.type('sleep 101\r');
    // Ctrl-C once the sleep runs (its process is visible from here), not while sh forks it.
    await eventually(() => (runningCommands().includes('sleep 101') ? true : undefined), 'sleep 101 to run', 20_000);
    session.type('\x03');
    session.type('echo status-$?\r');
    await session.waitFor(/^status-130\r$/m);
    session.type('exit 0\r');
    const { code, output } = await session.exited;
    assert.equal(code, 0, output);
  });
});

describe('tpod exec -it and run -i', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('exec -it gives the exec\'d process its own terminal, input and exit status', async () => {
    const name = uniqueName('exectty');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store });
    const sized = ptyTpod(['exec', '-it', name, 'sh', '-c', 'tty; stty size; exit 6'], { store, rows: 40, cols: 90 });
    const first = await sized.exited;
    assert.equal(first.code, 6, first.output);
    assert.match(first.output, /^\/dev\/pts\/\d+\r$/m);
    assert.match(first.output, /^40 90\r$/m);

    const shell = ptyTpod(['exec', '-it', name, 'sh'], { store });
    await shell.waitFor(/\/ # /);
    shell.type('cat /proc/1/cmdline | tr "\\0" " "; echo; exit 3\r');
    const second = await shell.exited;
    assert.equal(second.code, 3, second.output);
    assert.match(second.output, /^sleep 1000 \r$/m, 'the shell ran inside the container (its PID 1 is the sleep)');
  });

  it('run -i without -t: no terminal inside, but typed input still reaches the container', async () => {
    const session = ptyTpod(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'tty; read line; echo got:$line'], { store });
    await session.waitFor(/not a tty/);
    session.type('hello\r');
    const { code, output } = await session.exited;
    assert.equal(code, 0, output);
    assert.match(output, /got:hello/);
  });
});
