import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { parseAddHost } from '../../src/spec/extra-hosts.js';
import { hostnameFile, hostsFile, initFileContents, resolvConfFile, writeInitFiles } from '../../src/spec/init-files.js';

const HOST_RESOLV = '# host\nsearch example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.1\nnameserver ::1\noptions edns0\n';
const HOST_HOSTS = '127.0.0.1 localhost\n10.1.2.3 myhost.example.org myhost\n';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tpod-spec-init-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('generated /etc files', () => {
  it('hostname is the name and a newline; bad names are refused', () => {
    assert.equal(hostnameFile('web-1.example'), 'web-1.example\n');
    for (const bad of ['', 'a b', 'x\n127.0.0.1 evil', '-lead', 'a'.repeat(65)]) assert.throws(() => hostnameFile(bad), InvalidArgumentError, bad);
  });
  it('hosts maps localhost and the hostname to loopback', () => {
    const hosts = hostsFile({ hostname: 'c1', network: 'none' });
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost /m);
    assert.match(hosts, /^::1\tlocalhost /m);
    assert.match(hosts, /^127\.0\.0\.1\tc1$/m);
    assert.match(hosts, /^::1\tc1$/m);
  });
  it('hosts with host network is the host\'s, plus the hostname when missing', () => {
    assert.equal(hostsFile({ hostname: 'c1', network: 'host' }, HOST_HOSTS), `${HOST_HOSTS}127.0.0.1\tc1\n`);
    assert.equal(hostsFile({ hostname: 'myhost', network: 'host' }, HOST_HOSTS), HOST_HOSTS);
  });
  it('--add-host entries come first (the first match wins), several names per address, IPv6 too', () => {
    const hosts = hostsFile({ hostname: 'c1', network: 'none', extraHosts: ['db:10.0.0.5', 'a;b:fe80::1'] });
    assert.equal(hosts.split('\n').slice(0, 3).join('\n'), '10.0.0.5\tdb\nfe80::1\ta b\n127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4');
    assert.equal(hostsFile({ hostname: 'c1', network: 'host', extraHosts: ['db:10.0.0.5'] }, HOST_HOSTS), `10.0.0.5\tdb\n${HOST_HOSTS}127.0.0.1\tc1\n`);
  });
  it('--add-host refuses what /etc/hosts cannot hold, as one line', () => {
    assert.throws(() => parseAddHost('db'), /bad format for --add-host "db": expected NAME:IP$/);
    assert.throws(() => parseAddHost('db:10.0.0.300'), /invalid IP address in --add-host "db:10.0.0.300"/);
    assert.throws(() => parseAddHost('evil name:10.0.0.1'), /invalid host name "evil name"/);
    assert.throws(() => parseAddHost('x\n1.2.3.4 y:10.0.0.1'), /invalid host name/);
    assert.throws(() => parseAddHost('gw:host-gateway'), /host-gateway needs a container network/);
  });
  it('resolv.conf drops loopback nameservers without host network', () => {
    assert.equal(resolvConfFile(HOST_RESOLV, 'none'), '# host\nsearch example.org\nnameserver 10.0.0.1\noptions edns0\n');
    assert.equal(resolvConfFile(HOST_RESOLV, 'host'), HOST_RESOLV);
    assert.equal(resolvConfFile('nameserver 127.0.0.1\n', 'none'), '');
  });
  it('uses systemd-resolved\'s upstream list when the host only has the stub', () => {
    const host = { hosts: '', resolvConf: 'nameserver 127.0.0.53\n', resolvedUpstream: 'nameserver 192.0.2.1\n' };
    assert.equal(initFileContents({ hostname: 'c', network: 'none' }, host).resolvConf, 'nameserver 192.0.2.1\n');
    assert.equal(initFileContents({ hostname: 'c', network: 'host' }, host).resolvConf, 'nameserver 127.0.0.53\n');
    assert.equal(initFileContents({ hostname: 'c', network: 'none' }, { ...host, resolvConf: HOST_RESOLV }).resolvConf, resolvConfFile(HOST_RESOLV, 'none'));
  });
  it('writeInitFiles writes the three files, readable, with no temporaries left', async () => {
    const paths = await writeInitFiles(scratch, { hostname: 'box', network: 'none' }, { hosts: HOST_HOSTS, resolvConf: HOST_RESOLV });
    assert.deepEqual(paths, { hostname: join(scratch, 'hostname'), hosts: join(scratch, 'hosts'), resolvConf: join(scratch, 'resolv.conf') });
    assert.equal(await readFile(paths.hostname, 'utf8'), 'box\n');
    assert.match(await readFile(paths.hosts, 'utf8'), /\tbox$/m);
    assert.doesNotMatch(await readFile(paths.resolvConf, 'utf8'), /127\.0\.0\.53/);
    assert.equal((await stat(paths.hosts)).mode & 0o777, 0o644);
    await writeInitFiles(scratch, { hostname: 'box2', network: 'none' }, { hosts: '', resolvConf: '' });
    assert.equal(await readFile(paths.hostname, 'utf8'), 'box2\n');
    assert.deepEqual((await readdir(scratch)).sort(), ['hostname', 'hosts', 'resolv.conf']);
  });
});
