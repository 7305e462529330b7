// Snapshot drivers conformance suite (containerd's snapshots/testsuite habit): the same
// tests run against every driver, over layer directories built here with the markers the
// layer unpacker writes (whiteout = char device 0/0, opaque dir = trusted.overlay.opaque=y).
// Needs root (mknod, trusted.* xattrs, mount); no systemd.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readFile, readdir, readlink, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  chooseSnapshotDriver,
  CopyDriver,
  MountCommandError,
  MOUNT_DATA_MAX,
  OverlayDriver,
  overlayMountData,
  pruneLayerLinks,
  snapshotLayout,
  type Mounter,
  type SnapshotDriver,
} from '../../src/snapshots/index.js';
import { ConflictError, isTpodError } from '../../src/errors.js';
import { mountsBelow, tempDir, type TempDir } from '../helpers/store.js';

// ---- layer fixtures -------------------------------------------------------------------------

function sh(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
}

type Entry =
  | { file: string; mode?: number }
  | { dir: true; opaque?: boolean }
  | { symlink: string }
  | { hardlink: string }
  | { whiteout: true };

/** A layer directory at <root>/layers/<sha256(name)>, as src/layers leaves one. */
async function makeLayer(root: string, name: string, entries: Record<string, Entry>): Promise<string> {
  const dir = join(root, 'layers', createHash('sha256').update(name).digest('hex'));
  await mkdir(dir, { recursive: true });
  const opaque: string[] = [];
  for (const [path, entry] of Object.entries(entries)) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    if ('file' in entry) {
      await writeFile(target, entry.file);
      if (entry.mode !== undefined) await chmod(target, entry.mode);
    } else if ('dir' in entry) {
      await mkdir(target, { recursive: true });
      if (entry.opaque) opaque.push(target);
    } else if ('symlink' in entry) await symlink(entry.symlink, target);
    else if ('hardlink' in entry) await link(join(dir, entry.hardlink), target);
    else sh('mknod', [target, 'c', '0', '0']);
  }
  if (opaque.length > 0) sh('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', ...opaque]);
  await chmod(dir, 0o700); // as a fresh unpack dir: the rootfs "/" must not inherit it
  return dir;
}

/** A file outside the store that a lower layer's symlink points at: no layer may write it. */
function hostFile(root: string): string {
  return join(dirname(root), 'host-file');
}

/** Three layers exercising every rule of the merged view; bottom first. */
async function makeImage(root: string): Promise<string[]> {
  await writeFile(hostFile(root), 'host');
  return [
    await makeLayer(root, 'base', {
      'etc/os-release': { file: 'base' },
      'etc/hostname': { file: 'base-host' },
      'bin/sh': { file: 'shell', mode: 0o755 },
      'data/keep.txt': { file: 'keep' },
      'data/gone.txt': { file: 'gone' },
      'opaque/old.txt': { file: 'old' },
      'opaque/sub/deep.txt': { file: 'deep' },
      'hard/a': { file: 'linked' },
      'hard/b': { hardlink: 'hard/a' },
      link: { symlink: 'etc/os-release' },
      'dir-becomes-file/inner.txt': { file: 'inner' },
      'file-becomes-dir': { file: 'file' },
      abs: { symlink: '/etc' }, // a layer above puts a directory here: must not write to the host
      'escape-file': { symlink: hostFile(root) }, // a layer above puts a file here: idem
      'gone-dir/x': { file: 'x' },
    }),
    await makeLayer(root, 'middle', {
      'etc/os-release': { file: 'middle' },
      'data/gone.txt': { whiteout: true },
      opaque: { dir: true, opaque: true },
      'opaque/new.txt': { file: 'new' },
      'dir-becomes-file': { file: 'now a file' },
      'file-becomes-dir/x': { file: 'x' },
      'abs/tpod-escape-check': { file: 'must stay in the rootfs' },
      'escape-file': { file: 'from the layer' },
    }),
    await makeLayer(root, 'top', {
      'etc/os-release': { file: 'top' },
      'etc/hostname': { whiteout: true },
      'gone-dir': { whiteout: true },
      'new/top.txt': { file: 'top' },
    }),
  ];
}

const EXPECTED_VIEW: Record<string, string> = {
  abs: 'dir',
  'abs/tpod-escape-check': 'file must stay in the rootfs',
  bin: 'dir',
  'bin/sh': 'file shell',
  data: 'dir',
  'data/keep.txt': 'file keep',
  'dir-becomes-file': 'file now a file',
  etc: 'dir',
  'escape-file': 'file from the layer',
  'etc/os-release': 'file top',
  'file-becomes-dir': 'dir',
  'file-becomes-dir/x': 'file x',
  hard: 'dir',
  'hard/a': 'file linked',
  'hard/b': 'file linked',
  link: 'symlink etc/os-release',
  new: 'dir',
  'new/top.txt': 'file top',
  opaque: 'dir',
  'opaque/new.txt': 'file new',
};

/** Every path below `dir` with its type and content: the tree to compare, file by file. */
async function describeTree(dir: string, prefix = ''): Promise<Record<string, string>> {
  const view: Record<string, string> = {};
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const path = join(prefix, name);
    const stats = await lstat(join(dir, path));
    if (stats.isDirectory()) {
      view[path] = 'dir';
      Object.assign(view, await describeTree(dir, path));
    } else if (stats.isSymbolicLink()) view[path] = `symlink ${await readlink(join(dir, path))}`;
    else if (stats.isFile()) view[path] = `file ${await readFile(join(dir, path), 'utf8')}`;
    else view[path] = `special ${stats.mode.toString(8)} ${stats.rdev}`;
  }
  return view;
}

function mountCountAt(path: string): number {
  return mountsBelow(path).filter((point) => point === path).length;
}

let nextId = 0;
function newId(): string {
  return `c${process.pid}-${nextId++}`;
}

// ---- the suite, once per driver -----------------------------------------------------------------

for (const flag of ['overlay', 'vfs'] as const) {
  describe(`snapshot driver conformance: --storage-driver ${flag}`, () => {
    let tmp: TempDir;
    let root: string;
    let driver: SnapshotDriver;
    let image: string[];

    before(async () => {
      tmp = tempDir('tpod-snapshots-');
      root = join(tmp.path, 'root');
      driver = chooseSnapshotDriver(flag, { root });
      image = await makeImage(root);
    });

    after(async () => {
      // Every mount goes, even when a test failed half way; then the directory.
      for (const snapshot of await driver.listSnapshots()) await driver.remove(snapshot.id).catch(() => undefined);
      tmp.remove();
    });

    it('prepares a snapshot that lists as prepared and not mounted', async () => {
      const id = newId();
      const info = await driver.prepare(id, image);
      const layout = snapshotLayout(root, id);
      assert.equal(info.merged, layout.merged);
      assert.equal(info.driver, driver.name);
      assert.deepEqual(info.lowers, image);
      assert.ok((await stat(layout.merged)).isDirectory());
      if (driver.name === 'overlay') {
        assert.ok((await stat(layout.upper)).isDirectory(), 'overlay has an upper dir even before any write');
        assert.ok((await stat(layout.work)).isDirectory());
      }
      const listed = (await driver.listSnapshots()).find((s) => s.id === id);
      assert.deepEqual(listed, { ...info, mounted: false });
      assert.equal(await driver.isMounted(id), false);
      assert.equal(mountCountAt(layout.merged), 0, 'prepare leaves nothing mounted');
    });

    it('shows the merged view: upper layer wins, whiteouts and opaque dirs hide, types replace', async () => {
      const id = newId();
      await driver.prepare(id, image);
      const merged = await driver.mount(id);
      assert.deepEqual(await describeTree(merged), EXPECTED_VIEW);
      assert.equal(await driver.isMounted(id), driver.mountsFilesystem);
      assert.equal(existsSync('/etc/tpod-escape-check'), false, 'a layer wrote through a lower symlink to the host');
      assert.equal(await readFile(hostFile(root), 'utf8'), 'host', 'a layer wrote through a lower symlink to the host');
    });

    it('keeps hard links, modes, a 0755 root, and no overlay markers in the view', async () => {
      const id = newId();
      await driver.prepare(id, image);
      const merged = await driver.mount(id);
      const [a, b] = [await lstat(join(merged, 'hard/a')), await lstat(join(merged, 'hard/b'))];
      assert.equal(a.ino, b.ino);
      assert.equal(a.nlink, 2);
      assert.equal((await stat(join(merged, 'bin/sh'))).mode & 0o777, 0o755);
      assert.equal((await stat(merged)).mode & 0o7777, 0o755);
      const xattrs = spawnSync('getfattr', ['-d', '-m', '-', join(merged, 'opaque')], { encoding: 'utf8' }).stdout;
      assert.doesNotMatch(xattrs, /overlay/);
    });

    it('mounts idempotently: the same path, mounted once', async () => {
      const id = newId();
      await driver.prepare(id, image);
      const first = await driver.mount(id);
      const second = await driver.mount(id);
      assert.equal(second, first);
      assert.equal(mountCountAt(first), driver.mountsFilesystem ? 1 : 0);
    });

    it('keeps writes across unmount and mount, without touching the layers', async () => {
      const id = newId();
      await driver.prepare(id, image);
      let merged = await driver.mount(id);
      await writeFile(join(merged, 'etc/os-release'), 'written');
      await writeFile(join(merged, 'hello.txt'), 'hello');
      await unlink(join(merged, 'data/keep.txt'));
      assert.equal(await driver.unmount(id), driver.mountsFilesystem ? 'unmounted' : 'not-mounted');
      assert.equal(await driver.unmount(id), 'not-mounted', 'unmount is idempotent');
      assert.equal(await driver.isMounted(id), false);
      merged = await driver.mount(id);
      assert.equal(await readFile(join(merged, 'etc/os-release'), 'utf8'), 'written');
      assert.equal(await readFile(join(merged, 'hello.txt'), 'utf8'), 'hello');
      assert.equal(existsSync(join(merged, 'data/keep.txt')), false);
      assert.equal(await readFile(join(image[2]!, 'etc/os-release'), 'utf8'), 'top', 'the top layer is unchanged');
      assert.equal(await readFile(join(image[0]!, 'data/keep.txt'), 'utf8'), 'keep', 'the bottom layer is unchanged');
      const usage = await driver.usage(id);
      if (driver.name === 'overlay') assert.equal(usage, 'written'.length + 'hello'.length);
      else assert.ok(usage >= 'written'.length + 'hello'.length, `usage ${usage}`);
    });

    it('removes a mounted snapshot: nothing mounted, no directory; again is a no-op', async () => {
      const id = newId();
      await driver.prepare(id, image);
      await driver.mount(id);
      const layout = snapshotLayout(root, id);
      await driver.remove(id);
      assert.deepEqual(mountsBelow(layout.dir), []);
      assert.equal(existsSync(layout.dir), false);
      await driver.remove(id);
      assert.equal((await driver.listSnapshots()).some((s) => s.id === id), false);
    });

    it('removes half-prepared snapshots: no state, no merged, or mounted without state', async () => {
      const bare = snapshotLayout(root, newId());
      await mkdir(bare.upper, { recursive: true }); // killed right after the first mkdir
      const noMerged = newId();
      await driver.prepare(noMerged, image);
      await rm(snapshotLayout(root, noMerged).merged, { recursive: true });
      const orphan = newId(); // mounted, then the state file lost
      await driver.prepare(orphan, image);
      await driver.mount(orphan);
      await rm(snapshotLayout(root, orphan).stateFile);

      const listed = new Map((await driver.listSnapshots()).map((s) => [s.id, { prepared: s.prepared, mounted: s.mounted }]));
      assert.deepEqual(listed.get(bare.id), { prepared: false, mounted: false });
      assert.deepEqual(listed.get(orphan), { prepared: false, mounted: driver.mountsFilesystem });
      for (const id of [bare.id, noMerged, orphan]) {
        await driver.remove(id);
        assert.equal(existsSync(snapshotLayout(root, id).dir), false, id);
        assert.deepEqual(mountsBelow(snapshotLayout(root, id).dir), []);
      }
    });

    it('stacks 100 layers: every layer visible, the top one wins', async () => {
      const layers: string[] = [];
      for (let i = 0; i < 100; i++) {
        layers.push(await makeLayer(root, `stack-${i}`, { [`layer-${i}`]: { file: String(i) }, shared: { file: `from ${i}` } }));
      }
      const absolute = overlayMountData(layers, join(root, 'upper'), join(root, 'work'));
      assert.ok(absolute.length > MOUNT_DATA_MAX, `absolute paths take ${absolute.length} bytes`);
      const id = newId();
      await driver.prepare(id, layers);
      const merged = await driver.mount(id);
      assert.equal(await readFile(join(merged, 'shared'), 'utf8'), 'from 99');
      const names = (await readdir(merged)).sort();
      assert.equal(names.length, 101);
      for (let i = 0; i < 100; i++) assert.equal(await readFile(join(merged, `layer-${i}`), 'utf8'), String(i));
      if (driver instanceof OverlayDriver) {
        assert.equal((await driver.mountPlan(id)).lowerNames, 'links');
        const second = newId(); // same layers again: the links are reused, not duplicated
        await driver.prepare(second, layers);
        await driver.mount(second);
        assert.equal((await readdir(join(root, 'layers', 'l'))).length, 100);
      }
    });

    it('refuses a second prepare of one id, a missing layer, and a bad id; leaves nothing', async () => {
      const id = newId();
      await driver.prepare(id, image);
      await assert.rejects(driver.prepare(id, image), { name: 'AlreadyExistsError' });
      const missing = join(root, 'layers', 'no-such-layer');
      const other = newId();
      await assert.rejects(driver.prepare(other, [image[0]!, missing]), (err: Error) => {
        assert.equal(err.name, 'NotFoundError');
        assert.equal(err.message, `layer directory missing: ${missing}`);
        return true;
      });
      assert.equal(existsSync(snapshotLayout(root, other).dir), false);
      await assert.rejects(driver.prepare('../escape', image), { name: 'InvalidArgumentError' });
      await assert.rejects(driver.mount(newId()), { name: 'NotFoundError' });
    });

    it('prepares an image without layers as an empty, writable root', async () => {
      const id = newId();
      await driver.prepare(id, []);
      const merged = await driver.mount(id);
      assert.deepEqual(await readdir(merged), []);
      await writeFile(join(merged, 'f'), 'x');
      assert.equal(await readFile(join(merged, 'f'), 'utf8'), 'x');
    });
  });
}

// ---- overlay only ----------------------------------------------------------------------------

describe('overlay driver', () => {
  let tmp: TempDir;
  let root: string;
  let driver: OverlayDriver;
  let image: string[];

  before(async () => {
    tmp = tempDir('tpod-overlay-');
    root = join(tmp.path, 'root');
    driver = new OverlayDriver({ root });
    image = await makeImage(root);
  });

  after(async () => {
    for (const snapshot of await driver.listSnapshots()) await driver.remove(snapshot.id).catch(() => undefined);
    tmp.remove();
  });

  it('orders lowerdir top layer first, with index=off and metacopy=off', async () => {
    assert.equal(overlayMountData(['/l0', '/l1', '/l2'], '/u', '/w'), 'lowerdir=/l2:/l1:/l0,upperdir=/u,workdir=/w,index=off,metacopy=off');
    const id = newId();
    await driver.prepare(id, image);
    const merged = await driver.mount(id);
    const line = spawnSync('findmnt', ['-n', '-o', 'OPTIONS', '--mountpoint', merged], { encoding: 'utf8' }).stdout;
    const hex = image.map((layer) => layer.slice(layer.lastIndexOf('/') + 1));
    assert.match(line, new RegExp(`lowerdir=${hex[2]}:${hex[1]}:${hex[0]},`));
    assert.equal((await driver.mountPlan(id)).lowerNames, 'relative');
  });

  it('names 20 layers relative to the layers directory, without short links', async () => {
    const layers: string[] = [];
    for (let i = 0; i < 20; i++) layers.push(await makeLayer(root, `twenty-${i}`, { [`f${i}`]: { file: String(i) } }));
    const id = newId();
    await driver.prepare(id, layers);
    const plan = await driver.mountPlan(id);
    assert.equal(plan.lowerNames, 'relative');
    assert.equal(plan.cwd, join(root, 'layers'));
    assert.equal(existsSync(join(root, 'layers', 'l')), false);
    assert.equal(await readFile(join(await driver.mount(id), 'f19'), 'utf8'), '19');
  });

  it('prunes short links whose layer is gone', async () => {
    const layers: string[] = [];
    for (let i = 0; i < 70; i++) layers.push(await makeLayer(root, `prune-${i}`, { [`p${i}`]: { file: String(i) } }));
    const id = newId();
    await driver.prepare(id, layers); // 70 x 65 bytes: past one page, so links are made
    assert.equal((await driver.mountPlan(id)).lowerNames, 'links');
    await driver.remove(id);
    const before = (await readdir(join(root, 'layers', 'l'))).length;
    await rm(layers[0]!, { recursive: true });
    assert.equal(await pruneLayerLinks(join(root, 'layers')), 1);
    assert.equal((await readdir(join(root, 'layers', 'l'))).length, before - 1);
  });

  it('detaches a busy mount lazily, as a last resort, and reports it', async () => {
    const id = newId();
    await driver.prepare(id, image);
    const merged = await driver.mount(id);
    const handle = await open(join(merged, 'etc/os-release'), 'r');
    try {
      // An open file keeps the mount busy: plain umount fails, umount -l detaches.
      assert.equal(await driver.unmount(id), 'detached');
      assert.equal(await driver.isMounted(id), false);
    } finally {
      await handle.close();
    }
    assert.equal(await readFile(join(await driver.mount(id), 'etc/os-release'), 'utf8'), 'top');
  });

  it('reports the kernel message when overlayfs refuses the mount, naming the driver', async () => {
    const id = newId();
    await driver.prepare(id, image);
    const layout = snapshotLayout(root, id);
    // A workdir on another filesystem than the upperdir: overlayfs refuses with EINVAL.
    sh('mount', ['-t', 'tmpfs', 'tpod-test', layout.work]);
    try {
      await assert.rejects(driver.mount(id), (err: Error) => {
        assert.ok(isTpodError(err));
        assert.equal(err.name, 'UnavailableError');
        assert.match(err.message, /^overlay driver: the kernel refused to mount \S+\/merged: overlayfs: workdir and upperdir must reside under the same mount/);
        assert.match(err.hint ?? '', /--storage-driver vfs/);
        return true;
      });
      // And remove never deletes through a mount it did not make.
      await assert.rejects(driver.remove(id), (err: Error) => err instanceof ConflictError && err.message.includes(layout.work));
      assert.ok(existsSync(layout.upper));
    } finally {
      sh('umount', [layout.work]);
    }
    await driver.remove(id);
    assert.equal(existsSync(layout.dir), false);
  });

  it('fails prepare, not start, when the kernel has no overlayfs, and cleans up', async () => {
    const noOverlay: Mounter = {
      mountOverlay: async () => {
        throw new MountCommandError('no-device', "mount: /x: unknown filesystem type 'overlay'.");
      },
      unmount: async () => undefined,
    };
    const broken = new OverlayDriver({ root, mounter: noOverlay });
    const id = newId();
    await assert.rejects(broken.prepare(id, image), (err: Error) => {
      assert.equal(err.name, 'UnavailableError');
      assert.equal(err.message, "overlay driver: the kernel does not support overlayfs: mount: /x: unknown filesystem type 'overlay'.");
      return true;
    });
    assert.equal(existsSync(snapshotLayout(root, id).dir), false);
  });

  it('refuses to mount a snapshot the copy driver made', async () => {
    const id = newId();
    await new CopyDriver({ root }).prepare(id, image);
    await assert.rejects(driver.mount(id), { name: 'ConflictError' });
  });
});

describe('storage driver choice', () => {
  it('maps flag values to drivers and refuses unknown ones', () => {
    assert.equal(chooseSnapshotDriver(undefined, { root: '/r' }).name, 'overlay');
    assert.equal(chooseSnapshotDriver('overlay2', { root: '/r' }).name, 'overlay');
    assert.equal(chooseSnapshotDriver('vfs', { root: '/r' }).name, 'copy');
    assert.equal(chooseSnapshotDriver('copy', { root: '/r' }).name, 'copy');
    assert.throws(() => chooseSnapshotDriver('btrfs', { root: '/r' }), {
      name: 'InvalidArgumentError',
      message: 'unknown storage driver "btrfs": want overlay, fuse-overlayfs, vfs or copy',
    });
    assert.throws(() => chooseSnapshotDriver('fuse-overlayfs', { root: '/r' }), {
      name: 'InvalidArgumentError',
      message: 'storage driver fuse-overlayfs is for rootless use: as root, use overlay',
    });
  });
});
