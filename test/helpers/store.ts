/**
 * Temporary directories and tpod stores that clean up after themselves, mounts included:
 * a test that leaves an overlay or bind mount below its store must not make cleanup delete
 * through it (a bind-mounted volume would lose its host files), so remove() first unmounts
 * every mount below the directory (deepest first) and refuses to delete if one stays.
 *
 *   describe('...', () => {
 *     const store = tempStore();
 *     after(() => store.remove());
 *     it('...', async () => { await runTpod(['ps'], { store }); });
 *   });
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  /** The directory, created empty. */
  path: string;
  /** Unmount what is mounted below path, then delete it. Safe to call twice. */
  remove(): void;
}

export interface TempStore extends TempDir {
  /** PATH/root, for --root / TPOD_ROOT; not created: tpod creates its store. */
  root: string;
  /** PATH/run, for --runroot / TPOD_RUNROOT; not created. */
  runroot: string;
  /** The global flags pointing tpod at this store: ['--root', root, '--runroot', runroot]. */
  flags: string[];
}

/** Mount points at or below dir in this process's mount namespace, deepest first. */
export function mountsBelow(dir: string): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function unmountBelow(dir: string): void {
  for (let round = 0; round < 3 && mountsBelow(dir).length > 0; round++) {
    for (const p of mountsBelow(dir)) {
      // A plain umount first; lazy only when busy (a process of the test still holds it).
      if (spawnSync('umount', [p], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
    }
  }
  const left = mountsBelow(dir);
  if (left.length > 0) throw new Error(`removing ${dir}: still mounted, not deleting: ${left.join(', ')}`);
}

/** A fresh empty directory under the system temp dir. */
export function tempDir(prefix = 'tpod-test-'): TempDir {
  // realpath: mountinfo shows resolved paths, and tmpdir() may be a symlink.
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  let removed = false;
  return {
    path,
    remove() {
      if (removed) return;
      unmountBelow(path);
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
      removed = true;
    },
  };
}

/** A fresh tpod store: root and runroot below one temp dir, removed together. */
export function tempStore(prefix = 'tpod-test-'): TempStore {
  const dir = tempDir(prefix);
  const root = join(dir.path, 'root');
  const runroot = join(dir.path, 'run');
  return { ...dir, root, runroot, flags: ['--root', root, '--runroot', runroot] };
}
