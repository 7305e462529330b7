// The CLI's contract with users: help lists commands, errors are one line with a
// non-zero exit and no stack trace, and info works (as a report) without systemd.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { runTpod, tempStore } from '../helpers/tpod.js';

describe('tpod CLI', () => {
  const store = tempStore();
  after(() => store.remove());

  it('--help lists the commands', async () => {
    const result = await runTpod(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^ {2}info\s+Display tpod related system information/m);
    assert.match(result.stdout, /^ {2}version\s+Display the tpod version information/m);
  });

  it('an unknown command is refused as podman words it, with exit 125', async () => {
    for (const [argv, named, help] of [
      [['nosuch'], 'tpod nosuch', 'tpod --help'],
      [['--root', '/tmp/tpod-unused', 'nosuch', '-a'], 'tpod nosuch', 'tpod --help'],
      [['container', 'nosuch'], 'tpod container nosuch', 'tpod container --help'],
    ] as const) {
      const result = await runTpod([...argv]);
      assert.equal(result.code, 125, argv.join(' '));
      assert.equal(result.stderr, `Error: unrecognized command \`${named}\`\nTry '${help}' for more information\n`);
    }
  });

  it('command-line mistakes are one line and a pointer to help, exit 125, as podman', async () => {
    for (const [argv, problem, help] of [
      [['create'], 'requires at least 1 arg(s), only received 0', 'tpod container create --help'],
      [['create', '--nope', 'busybox'], 'unknown flag: --nope', 'tpod container create --help'],
      [['rename', 'a', 'b', 'c'], 'unexpected argument: c', 'tpod container rename --help'],
      [['run', '--pull=sometimes', 'busybox'], 'Expected --pull=sometimes to be one of: always, missing, never, newer', 'tpod run --help'],
      [['logs', '--tail', 'x', 'y'], 'Parsing --tail Expected an integer but received: x', 'tpod container logs --help'],
      [['--root', '/tmp/tpod-unused', 'ps', '--format'], 'Flag --format expects a value', 'tpod container ls --help'],
    ] as const) {
      const result = await runTpod([...argv], { store });
      assert.equal(result.code, 125, argv.join(' '));
      assert.equal(result.stderr, `Error: ${problem}\nSee '${help}'\n`, argv.join(' '));
      assert.equal(result.stdout, '');
    }
  });

  it('help, help COMMAND and a topic alone show help', async () => {
    const main = await runTpod(['help']);
    assert.equal(main.code, 0, main.stderr);
    assert.match(main.stdout, /^ {2}version\s+Display the tpod version information/m);
    const run = await runTpod(['help', 'run']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Run a command in a new container/);
    const topic = await runTpod(['container']);
    assert.equal(topic.code, 0, topic.stderr);
    assert.match(topic.stdout, /^ {2}container ps\s/m);
  });

  it('version --format json parses and names the package version', async () => {
    const result = await runTpod(['version', '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(JSON.parse(result.stdout).Client.Version, /^\d+\.\d+\.\d+/);
  });

  it('a bad global flag value is one line on stderr and exit 125', async () => {
    const result = await runTpod(['info', '--root', 'relative/path']);
    assert.equal(result.code, 125);
    assert.equal(result.stderr, 'Error: --root must be an absolute path: "relative/path"\n');
    assert.equal(result.stdout, '');
  });

  it('answers like podman without a command: --version, a missing command, an unknown flag before the command (125)', async () => {
    const version = await runTpod(['--log-level', 'warn', '--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^tpod version \d+\.\d+\.\d+\n$/);
    const missing = await runTpod(['--root', '/tmp/x']);
    assert.equal(missing.code, 125);
    assert.equal(missing.stderr, "Error: missing command 'tpod COMMAND'\nTry 'tpod --help' for more information\n");
    const bogus = await runTpod(['--root', '/tmp/x', '--bogus', 'ps']);
    assert.equal(bogus.code, 125);
    assert.equal(bogus.stderr, "Error: unknown flag: --bogus\nSee 'tpod --help'\n");
  });

  it('--log-level debug adds the stack trace', async () => {
    const result = await runTpod(['info', '--root', 'relative/path', '--log-level', 'debug']);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /^Error: --root must be an absolute path/);
    assert.match(result.stderr, /\n\s+at /);
  });

  it('an unsupported --format template is refused', async () => {
    const result = await runTpod(['info', '--format', '{{range .Host}}'], { store });
    assert.equal(result.code, 125);
    assert.equal(result.stderr, 'Error: unsupported --format action "{{range .Host}}" in "{{range .Host}}"\n');
  });

  it('info --format json reports systemd as this host has it', async () => {
    // Here PID 1 is not systemd unless /run/systemd/system exists (sd_booted(3)'s test).
    const booted = existsSync('/run/systemd/system');
    const result = await runTpod(['info', '--format', 'json'], { store });
    assert.equal(result.code, 0, result.stderr);
    const systemd = JSON.parse(result.stdout).host.systemd;
    assert.equal(systemd.reachable, booted);
    if (!booted) assert.match(systemd.error, /^systemd not reachable at unix:path=\S+: /);
  });
});
