// `tpod generate systemd` units under the sandbox's real systemd (as root): they pass
// `systemd-analyze verify`, start and stop their container, and systemd restarts a
// container that was killed (Restart=on-failure, conmon as the unit's main process).
// Units go to /run/systemd/system: a system unit directory that is the sandbox's own tmpfs,
// so nothing is written to the host's /etc. Each test uses its own temporary store; the
// units carry --root/--runroot for it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureLayout } from '../helpers/env.js';
import { repoRoot } from '../helpers/paths.js';
import { runTpod, tempDir, tempStore, tpodOk } from '../helpers/tpod.js';

const UNIT_DIR = '/run/systemd/system';
// A container that exits 0 on SIGTERM: a stopped unit is then inactive, not failed (conmon,
// the main process, exits with the container's status; a SIGKILLed one's 137 fails the
// unit, which is what makes Restart=on-failure restart a killed container).
const POLITE = ['busybox', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
const tag = `${process.pid}-${Date.now().toString(36)}`;

function systemctl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('systemctl', ['--no-pager', ...args], { encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function journal(unit: string): string {
  return spawnSync('journalctl', ['--no-pager', '-n', '60', '-u', unit], { encoding: 'utf8' }).stdout;
}

async function poll<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('generate systemd under systemd', () => {
  const store = tempStore('tpod-gen-');
  const dir = tempDir('tpod-gen-units-');
  const installed: string[] = [];

  /** Installs unit text as UNIT_DIR/NAME.service and reloads systemd. */
  function install(name: string, text: string): string {
    const unit = `${name}.service`;
    writeFileSync(join(UNIT_DIR, unit), text);
    installed.push(unit);
    execFileSync('systemctl', ['daemon-reload']);
    return unit;
  }

  async function state(name: string): Promise<{ status: string; pid: number; id: string } | undefined> {
    const r = await runTpod(['inspect', '--format', '{{.State.Status}} {{.State.Pid}} {{.Id}}', name], { store });
    if (r.code !== 0) return undefined;
    const [status, pid, id] = r.stdout.trim().split(' ');
    return { status: status!, pid: Number(pid), id: id! };
  }

  before(async () => {
    await tpodOk(['pull', '-q', `oci:${fixtureLayout()}:busybox`], { store });
  });

  after(async () => {
    for (const unit of installed) {
      systemctl('stop', unit);
      rmSync(join(UNIT_DIR, unit), { force: true });
      systemctl('reset-failed', unit);
    }
    execFileSync('systemctl', ['daemon-reload']);
    await runTpod(['rm', '-af', '-t', '0'], { store });
    store.remove();
    dir.remove();
  });

  it('writes units that pass systemd-analyze verify (plain, --new, options)', async () => {
    const name = `gen-verify-${tag}`;
    await tpodOk(['create', '--name', name, '--restart=on-failure:3', '-e', 'A=b c', 'busybox', 'sh', '-c', 'echo "$A"; sleep 1000'], { store });
    const variants = [
      [],
      ['--new'],
      ['--new', '--restart-policy=always', '--restart-sec', '2', '-t', '3', '--start-timeout', '30', '-e', 'X=1 2', '--wants', 'basic.target', '--after', 'basic.target', '--requires', 'basic.target'],
    ];
    for (const [i, extra] of variants.entries()) {
      const sub = join(dir.path, String(i));
      execFileSync('mkdir', ['-p', sub]);
      const printed = (await tpodOk(['generate', 'systemd', '--files', '--name', ...extra, name], { store, cwd: sub })).trim();
      assert.equal(printed, join(sub, `container-${name}.service`));
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', printed], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${extra.join(' ')}: ${r.stdout}${r.stderr}\n${readFileSync(printed, 'utf8')}`);
    }
  });

  it('ships tpod-restart.service: it verifies, starts --restart=always containers, stops them', async () => {
    // This tpod instead of /usr/bin/tpod, and the test's store.
    const tpod = `${process.execPath} ${join(repoRoot, 'bin', 'tpod.cjs')} --root ${store.root} --runroot ${store.runroot}`;
    const text = readFileSync(join(repoRoot, 'systemd', 'tpod-restart.service'), 'utf8').replaceAll('/usr/bin/tpod', tpod);
    const file = join(dir.path, 'tpod-restart.service');
    writeFileSync(file, text);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);

    const always = `gen-boot-${tag}`;
    const other = `gen-noboot-${tag}`;
    await tpodOk(['create', '--name', always, '--restart=always', '--stop-timeout', '2', ...POLITE], { store });
    await tpodOk(['create', '--name', other, ...POLITE], { store });
    const unit = install(`tpod-test-restart-${tag}`, text);
    assert.equal(systemctl('start', unit).code, 0, systemctl('status', unit).out);
    assert.equal((await state(always))?.status, 'running');
    assert.equal((await state(other))?.status, 'created');
    assert.equal(systemctl('stop', unit).code, 0, systemctl('status', unit).out);
    assert.equal((await state(always))?.status, 'exited');
  });

  it('--new: systemctl start runs a fresh container, stop removes it, a killed one is restarted', async () => {
    const name = `gen-new-${tag}`;
    const created = (await tpodOk(['create', '--name', name, '--stop-timeout', '2', ...POLITE], { store })).trim();
    const unit = install(`tpod-test-new-${tag}`, await tpodOk(['generate', 'systemd', '--new', '--name', name], { store }));

    const start = systemctl('start', unit);
    assert.equal(start.code, 0, `${start.out}\n${systemctl('status', unit).out}`);
    const first = await poll(async () => ((await state(name))?.status === 'running' ? state(name) : undefined), 'the container to run', 10_000);
    assert.notEqual(first.id, created, '--replace made a new container');
    assert.equal(readFileSync(`/run/${unit}.ctr-id`, 'utf8').trim(), first.id);
    assert.equal(systemctl('show', '-P', 'MainPID', unit).out.trim(), readFileSync(`/run/${unit}.pid`, 'utf8').trim(), 'conmon is the main process');

    const stopStarted = Date.now();
    assert.equal(systemctl('stop', unit).code, 0);
    assert.ok(Date.now() - stopStarted < 2_000 + 8_000, `stopped within the stop timeout (took ${Date.now() - stopStarted} ms)`);
    assert.equal(await state(name), undefined, 'ExecStopPost removed the container');

    assert.equal(systemctl('start', unit).code, 0);
    const running = await poll(async () => ((await state(name))?.status === 'running' ? state(name) : undefined), 'the container to run again', 10_000);
    process.kill(running.pid, 'SIGKILL');
    const restarted = await poll(async () => {
      const now = await state(name);
      return now?.status === 'running' && now.id !== running.id ? now : undefined;
    }, 'systemd to restart the killed container', 20_000);
    assert.notEqual(restarted.pid, running.pid);
    assert.equal(systemctl('is-active', unit).out.trim(), 'active');

    assert.equal(systemctl('stop', unit).code, 0);
    assert.equal(await state(name), undefined);
    assert.equal(systemctl('is-active', unit).out.trim(), 'inactive', journal(unit));
  });

  it('--new --template: each instance runs its own container NAME-INSTANCE', async () => {
    const name = `gen-tmpl-${tag}`;
    await tpodOk(['create', '--name', name, '--stop-timeout', '2', ...POLITE], { store });
    const text = await tpodOk(['generate', 'systemd', '--new', '--template', '--name', name], { store });
    const template = `tpod-test-tmpl-${tag}@.service`;
    writeFileSync(join(UNIT_DIR, template), text);
    installed.push(`tpod-test-tmpl-${tag}@a.service`, `tpod-test-tmpl-${tag}@b.service`, template);
    execFileSync('systemctl', ['daemon-reload']);
    for (const instance of ['a', 'b']) {
      const unit = `tpod-test-tmpl-${tag}@${instance}.service`;
      assert.equal(systemctl('start', unit).code, 0, systemctl('status', unit).out);
    }
    for (const instance of ['a', 'b']) {
      await poll(async () => ((await state(`${name}-${instance}`))?.status === 'running' ? true : undefined), `${name}-${instance} to run`, 10_000);
    }
    assert.equal((await state(name))?.status, 'created', 'the original container is left alone');
    assert.equal(systemctl('stop', `tpod-test-tmpl-${tag}@a.service`).code, 0);
    assert.equal(await state(`${name}-a`), undefined);
    assert.equal((await state(`${name}-b`))?.status, 'running');
    assert.equal(systemctl('stop', `tpod-test-tmpl-${tag}@b.service`).code, 0);
  });

  it('an existing container: start runs it, a killed one is restarted, stop leaves it exited', async () => {
    const name = `gen-old-${tag}`;
    const id = (await tpodOk(['create', '--name', name, '--stop-timeout', '2', ...POLITE], { store })).trim();
    const unit = install(`tpod-test-old-${tag}`, await tpodOk(['generate', 'systemd', '--name', name], { store }));

    assert.equal(systemctl('start', unit).code, 0, systemctl('status', unit).out);
    const running = await poll(async () => ((await state(name))?.status === 'running' ? state(name) : undefined), 'the container to run', 10_000);
    assert.equal(running.id, id);

    process.kill(running.pid, 'SIGKILL');
    await poll(async () => {
      const now = await state(name);
      return now?.status === 'running' && now.pid !== running.pid ? now : undefined;
    }, 'systemd to start the killed container again', 20_000);

    assert.equal(systemctl('stop', unit).code, 0);
    const stopped = await state(name);
    assert.equal(stopped?.status, 'exited');
    assert.equal(systemctl('is-active', unit).out.trim(), 'inactive');
  });

  it('start --all --filter restart-policy=always starts only those (tpod-restart.service)', async () => {
    const always = `gen-always-${tag}`;
    const never = `gen-never-${tag}`;
    await tpodOk(['create', '--name', always, '--restart=always', 'busybox', 'sleep', '1000'], { store });
    await tpodOk(['create', '--name', never, 'busybox', 'sleep', '1000'], { store });
    await tpodOk(['start', '--all', '--filter', 'restart-policy=always'], { store });
    assert.equal((await state(always))?.status, 'running');
    assert.equal((await state(never))?.status, 'created');
    await tpodOk(['stop', '--all', '--filter', 'restart-policy=always', '-t', '0'], { store });
    assert.equal((await state(always))?.status, 'exited');
  });

  it('run --cidfile writes the ID and refuses an existing file; stop and rm --ignore --cidfile', async () => {
    const cidfile = join(dir.path, 'ctr-id');
    const id = (await tpodOk(['run', '-d', '--cidfile', cidfile, 'busybox', 'sleep', '1000'], { store })).trim();
    assert.equal(readFileSync(cidfile, 'utf8'), id);
    const again = await runTpod(['create', '--cidfile', cidfile, 'busybox'], { store });
    assert.equal(again.code, 125);
    assert.match(again.stderr, /container id file exists/);
    await tpodOk(['stop', '-t', '0', '--cidfile', cidfile], { store });
    await tpodOk(['rm', '--cidfile', cidfile], { store });
    await tpodOk(['rm', '-f', '--ignore', '--cidfile', cidfile], { store });
    await tpodOk(['stop', '--ignore', '--cidfile', join(dir.path, 'missing')], { store });
    assert.notEqual((await runTpod(['rm', '--cidfile', join(dir.path, 'missing')], { store })).code, 0);
  });
});
