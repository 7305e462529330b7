// `tpod pull` against Debian's docker-registry holding images built by umoci and skopeo:
// what a podman user checks after a pull (images, inspect, files on disk), and that bad
// sources fail in one line leaving the store consistent.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureLayout, fixtureRef, testRegistry } from '../helpers/env.js';
import { startAuthRegistry, type Registry } from '../helpers/registry.js';
import { runTpod, tempDir, tempStore, tpodEnv, tpodOk, TPOD_BIN, type TempStore } from '../helpers/tpod.js';
import { eventually } from '../helpers/containers.js';

const imagesJson = async (store: TempStore): Promise<Array<{ Id: string; Names: string[]; Digest: string }>> =>
  JSON.parse(await tpodOk(['images', '--format', 'json'], { store }));

describe('tpod pull', () => {
  const store = tempStore();
  after(() => store.remove());

  it('pulls an OCI image: listed, inspectable, its files unpacked', async () => {
    const id = (await tpodOk(['pull', '-q', fixtureRef('busybox')], { store })).trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    const images = await imagesJson(store);
    assert.deepEqual(images.map((image) => image.Names), [[`${fixtureRef('busybox')}`]]);
    const inspect = JSON.parse(await tpodOk(['image', 'inspect', fixtureRef('busybox')], { store }));
    assert.deepEqual(inspect[0].Config.Cmd, ['sh']);
    assert.equal(inspect[0].Architecture, 'amd64');
    const layerDirs = readdirSync(join(store.root, 'layers')).filter((name) => /^[a-f0-9]{64}$/.test(name));
    assert.equal(layerDirs.length, 1);
    assert.ok(existsSync(join(store.root, 'layers', layerDirs[0]!, 'bin', 'busybox')));
  });

  it('pulls the Docker schema2 copy as the same image ID with its own manifest digest', async () => {
    const ociId = (await tpodOk(['pull', '-q', fixtureRef('busybox')], { store })).trim();
    const v2Id = (await tpodOk(['pull', '-q', fixtureRef('busybox-v2s2')], { store })).trim();
    assert.equal(v2Id, ociId);
    const inspect = JSON.parse(await tpodOk(['image', 'inspect', fixtureRef('busybox-v2s2')], { store }));
    assert.equal(inspect[0].ManifestType, 'application/vnd.docker.distribution.manifest.v2+json');
  });

  it('chooses the host platform from an index, or the one asked for', async () => {
    const own = tempStore();
    try {
      await tpodOk(['pull', '-q', fixtureRef('multiarch')], { store: own });
      const amd = JSON.parse(await tpodOk(['image', 'inspect', fixtureRef('multiarch')], { store: own }));
      assert.equal(amd[0].Architecture, 'amd64');
      await tpodOk(['pull', '-q', '--arch', 'arm64', fixtureRef('multiarch')], { store: own });
      const arm = JSON.parse(await tpodOk(['image', 'inspect', fixtureRef('multiarch')], { store: own }));
      assert.equal(arm[0].Architecture, 'arm64');
      const missing = await runTpod(['pull', '--platform', 'linux/s390x', fixtureRef('multiarch')], { store: own });
      assert.equal(missing.code, 125);
      assert.match(missing.stderr, /linux\/s390x/);
      assert.match(missing.stderr, /linux\/amd64/);
    } finally {
      own.remove();
    }
  });

  it('pulls a layout on disk through the oci: transport, named under localhost/', async () => {
    await tpodOk(['pull', '-q', `oci:${fixtureLayout()}:busybox`], { store });
    const names = (await imagesJson(store)).flatMap((image) => image.Names);
    assert.ok(names.includes('localhost/busybox:latest'), names.join(' '));
  });

  it('finds a short name locally before going anywhere', async () => {
    const inspect = JSON.parse(await tpodOk(['image', 'inspect', 'busybox'], { store }));
    // The layout's busybox has the same config as the registry's: one image, several names.
    assert.ok(inspect[0].RepoTags.includes('localhost/busybox:latest'), inspect[0].RepoTags.join(' '));
  });

  it('run pulls a missing image with progress on stderr, -q without; stdout stays the container\'s', async () => {
    for (const quiet of [false, true]) {
      const own = tempStore();
      try {
        const result = await runTpod(['run', '--rm', ...(quiet ? ['-q'] : []), fixtureRef('busybox'), 'echo', 'hi'], { store: own });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, 'hi\n');
        if (quiet) assert.equal(result.stderr, '');
        else assert.match(result.stderr, new RegExp(`^Trying to pull ${fixtureRef('busybox').replace(/[.]/g, '\\.')}\\.\\.\\.\\n[^]*Writing manifest to image destination\\n$`));
        const detached = await runTpod(['run', '-d', fixtureRef('busybox'), 'true'], { store: own });
        assert.match(detached.stdout, /^[a-f0-9]{64}\n$/, 'run -d prints the ID alone');
        assert.equal(detached.stderr, '', 'no pull: nothing on stderr');
        await tpodOk(['rm', '-f', '-t', '0', detached.stdout.trim()], { store: own });
      } finally {
        own.remove();
      }
    }
  });

  it('serves a short name from a docker.io mirror configured in registries.conf', async () => {
    const own = tempStore();
    const conf = join(own.root, '..', 'registries.conf');
    writeFileSync(
      conf,
      `unqualified-search-registries = ["docker.io"]\n[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "${testRegistry()}"\ninsecure = true\n`,
    );
    try {
      const result = await runTpod(['pull', '--registries-conf', conf, 'busybox'], { store: own });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /Trying to pull docker\.io\/library\/busybox:latest/);
      const names = (await imagesJson(own)).flatMap((image) => image.Names);
      assert.deepEqual(names, ['docker.io/library/busybox:latest']);
    } finally {
      own.remove();
    }
  });

  it('names the registry when it is unreachable', async () => {
    const result = await runTpod(['pull', '127.0.0.1:1/library/busybox'], { store });
    assert.equal(result.code, 125);
    assert.match(result.stderr, /^Error: registry 127\.0\.0\.1:1 is not reachable: connection refused/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('refuses malformed references in one line', async () => {
    const result = await runTpod(['pull', 'BusyBox'], { store });
    assert.equal(result.code, 125);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /invalid reference format/);
  });

  it('rmi removes the image and, with its last user, the layer directories and blobs', async () => {
    const own = tempStore();
    try {
      await tpodOk(['pull', '-q', fixtureRef('multilayer')], { store: own });
      const layers = () => readdirSync(join(own.root, 'layers')).filter((name) => /^[a-f0-9]{64}$/.test(name));
      assert.ok(layers().length >= 3);
      await tpodOk(['rmi', fixtureRef('multilayer')], { store: own });
      assert.deepEqual(await imagesJson(own), []);
      assert.deepEqual(layers(), []);
      const blobs = join(own.root, 'content', 'blobs', 'sha256');
      assert.deepEqual(existsSync(blobs) ? readdirSync(blobs) : [], []);
    } finally {
      own.remove();
    }
  });
});

describe('tpod pull with Basic auth (htpasswd)', () => {
  let registry: Registry;
  const dir = tempDir();
  const store = tempStore();
  before(async () => {
    registry = await startAuthRegistry(dir.path, 'alice', 's3cret');
  });
  after(async () => {
    await registry?.stop();
    store.remove();
    dir.remove();
  });

  it('pulls with the right credentials', async () => {
    const result = await runTpod(['pull', '-q', '--creds', 'alice:s3cret', `${registry.host}/library/busybox`], { store });
    assert.equal(result.code, 0, result.stderr);
  });

  it('fails in one line with wrong credentials, recording nothing', async () => {
    const own = tempStore();
    try {
      const result = await runTpod(['pull', '--creds', 'alice:wrong', `${registry.host}/library/busybox`], { store: own });
      assert.equal(result.code, 125);
      assert.match(result.stderr, new RegExp(`Error: authentication to ${registry.host.replace(/\./g, '\\.')} failed: 401`));
      assert.deepEqual(await imagesJson(own), []);
    } finally {
      own.remove();
    }
  });
});

/** Starts `tpod pull -q REF` and kills it with SIGKILL after `delayMs`. */
async function pullKilledAfter(ref: string, store: TempStore, delayMs: number): Promise<void> {
  const child = spawn(TPOD_BIN, ['pull', '-q', ref], { env: tpodEnv({ store }), stdio: 'ignore' });
  // Listened for at once: a pull may finish before the kill (then kill is a no-op).
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  await exited;
}

describe('tpod pull killed with SIGKILL', () => {
  it('leaves a store that the next pull completes, with no half-written image', async () => {
    const store = tempStore();
    try {
      for (const delayMs of [5, 60, 150, 300, 600]) {
        await pullKilledAfter(fixtureRef('multilayer'), store, delayMs);
        const listed = await imagesJson(store);
        // Either the pull had finished (one whole image) or nothing is listed.
        assert.ok(listed.length <= 1);
        const pulled = (await tpodOk(['pull', '-q', fixtureRef('multilayer')], { store })).trim();
        const after = await imagesJson(store);
        assert.deepEqual(after.map((image) => image.Id), [pulled]);
        await tpodOk(['rmi', pulled], { store });
      }
      const leftovers = readdirSync(join(store.root, 'layers')).filter((name) => /^[a-f0-9]{64}$/.test(name));
      assert.deepEqual(leftovers, []);
    } finally {
      store.remove();
    }
  });
});

describe('tpod pull of big layers killed with SIGKILL', () => {
  it('leaves no half-written image and no unpacker at work; the next pull completes', async () => {
    const store = tempStore();
    const dir = tempDir();
    try {
      const { buildLayersLayout } = await import('../helpers/hostile-image.js');
      // Three layers over 8 MiB: unpacked by the pull's unpacker processes, streamed to them.
      const layers = [1, 2, 3].map((n) => [{ name: `big-${n}.bin`, type: 'file' as const, body: randomBytes(12 * 1024 * 1024) }]);
      const layout = buildLayersLayout(join(dir.path, 'big3'), 'big3', layers);
      const layersDir = join(store.root, 'layers');
      const staging = (): string[] => (existsSync(layersDir) ? readdirSync(layersDir).filter((name) => name.includes('.unpack-')) : []);
      for (const delayMs of [100, 250, 400, 700]) {
        await pullKilledAfter(`oci:${layout}:big3`, store, delayMs);
        assert.ok((await imagesJson(store)).length <= 1, 'no half-written image');
        // The unpackers see their input end, drop their staging directories and exit.
        await eventually(() => (staging().length === 0 ? true : undefined), `the unpackers of the pull killed after ${delayMs} ms to clean up`, 15_000);
        const pulled = (await tpodOk(['pull', '-q', `oci:${layout}:big3`], { store })).trim();
        assert.deepEqual((await imagesJson(store)).map((image) => image.Id), [pulled]);
        for (const [n, entries] of layers.entries()) {
          const found = readdirSync(layersDir).filter((name) => /^[0-9a-f]{64}$/.test(name)).some((name) => existsSync(join(layersDir, name, `big-${n + 1}.bin`)) && readFileSync(join(layersDir, name, `big-${n + 1}.bin`)).equals(entries[0]!.body));
          assert.ok(found, `layer ${n + 1} whole after the next pull`);
        }
        await tpodOk(['rmi', pulled], { store });
      }
    } finally {
      store.remove();
      dir.remove();
    }
  });
});

describe('tpod pull of a big layer (unpacked in a process of its own)', () => {
  it('keeps contents, owners and modes as the layer says', async () => {
    const store = tempStore();
    const dir = tempDir();
    try {
      const { buildLayout } = await import('../helpers/hostile-image.js');
      const big = randomBytes(9 * 1024 * 1024);
      const layout = buildLayout(join(dir.path, 'big'), 'big', [
        { name: 'data', type: 'dir', uid: 1000, mode: 0o750 },
        { name: 'data/big.bin', type: 'file', body: big, uid: 1000, mode: 0o640 },
        { name: 'etc-note', type: 'file', body: 'small\n', mode: 0o600 },
      ]);
      const result = await runTpod(['pull', '-q', `oci:${layout}:big`], { store });
      assert.equal(result.code, 0, result.stderr);
      const layers = readdirSync(join(store.root, 'layers')).filter((name) => /^[0-9a-f]{64}$/.test(name));
      assert.equal(layers.length, 1);
      const root = join(store.root, 'layers', layers[0]!);
      const file = statSync(join(root, 'data', 'big.bin'));
      assert.equal(file.uid, 1000);
      assert.equal(file.mode & 0o7777, 0o640);
      assert.equal(statSync(join(root, 'data')).mode & 0o7777, 0o750);
      assert.ok(readFileSync(join(root, 'data', 'big.bin')).equals(big), 'the file has the layer\'s bytes');
      assert.equal(readFileSync(join(root, 'etc-note'), 'utf8'), 'small\n');
    } finally {
      store.remove();
      dir.remove();
    }
  });
});

describe('tpod pull of a hostile layer', () => {
  it('refuses ../ and escaping symlinks by name and writes nothing outside the store', async () => {
    const store = tempStore();
    const dir = tempDir();
    try {
      const { buildHostileLayout } = await import('../helpers/hostile-image.js');
      const canary = join(dir.path, 'escaped');
      // Small layers are unpacked by tpod itself, big ones (padded to 9 MiB) in a process of their own.
      for (const [kind, padding] of [['dotdot', undefined], ['symlink', undefined], ['dotdot', randomBytes(9 * 1024 * 1024)], ['symlink', randomBytes(9 * 1024 * 1024)]] as const) {
        const layout = await buildHostileLayout(join(dir.path, `${kind}-${padding ? 'big' : 'small'}`), kind, canary, padding);
        const result = await runTpod(['pull', `oci:${layout}:evil`], { store });
        assert.equal(result.code, 125, result.stderr);
        assert.match(result.stderr, kind === 'dotdot' ? /entry "(\.\.\/)+.*escaped" escapes the layer root/ : /entry "out\/escaped" passes through symlink "out"/);
        assert.equal(result.stderr.split('\n').filter((line) => line.startsWith('Error:')).length, 1, result.stderr);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
        assert.equal(existsSync(canary), false, `${kind}: a file was written outside the layer`);
        assert.deepEqual(await imagesJson(store), []);
        const layersDir = join(store.root, 'layers');
        assert.deepEqual(existsSync(layersDir) ? readdirSync(layersDir).filter((name) => name !== 'l') : [], [], 'no layer or staging directory left');
      }
    } finally {
      store.remove();
      dir.remove();
    }
  });
});

