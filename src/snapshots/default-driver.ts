/**
 * The storage driver a container gets when `--storage-driver` is not given. As root:
 * overlay. Rootless: overlay, mounted by the runtime in the container's user namespace,
 * where the kernel allows it for this store; otherwise fuse-overlayfs, as podman falls back
 * to it. The kernel refuses overlayfs in a user namespace before Linux 5.11, and over an
 * upper directory on a filesystem it cannot use as upper (an overlayfs itself: a store
 * inside a container's root filesystem; NFS).
 *
 * Finding out costs one mount in a throwaway namespace, so the verdict is kept in the store
 * (`<root>/overlay-in-user-namespace.json`), tied to the running kernel's release.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { log } from '../log.js';
import type { UserIdMapping } from '../rootless/id-ranges.js';
import { removeTree } from '../rootless/remove-tree.js';
import { execInUserNamespace } from '../rootless/user-namespace.js';
import { containersDir } from './layout.js';

const VERDICT_FILE = 'overlay-in-user-namespace.json';

interface Verdict {
  kernel: string;
  supported: boolean;
  /** The kernel's (mount's) reason when unsupported. */
  reason?: string;
}

export async function defaultStorageDriver(root: string, mapping: UserIdMapping | undefined): Promise<'overlay' | 'fuse-overlayfs'> {
  if (!mapping) return 'overlay';
  const verdict = await overlayInUserNamespace(root, mapping);
  if (verdict.supported) return 'overlay';
  log.debug(`overlay cannot be mounted in a user namespace for ${root} (${verdict.reason ?? 'unknown reason'}): using fuse-overlayfs`);
  return 'fuse-overlayfs';
}

async function overlayInUserNamespace(root: string, mapping: UserIdMapping): Promise<Verdict> {
  const file = join(root, VERDICT_FILE);
  const known = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Verdict, () => undefined);
  if (known && known.kernel === release() && typeof known.supported === 'boolean') return known;
  const verdict = await probe(root, mapping);
  await writeFile(file, `${JSON.stringify(verdict)}\n`, { mode: 0o600 });
  return verdict;
}

/** Mounts an overlay as containers' snapshots are mounted (same filesystem, userxattr) and lets it go. */
async function probe(root: string, mapping: UserIdMapping): Promise<Verdict> {
  const parent = containersDir(root);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(parent, '.overlay-probe-'));
  try {
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((name) => join(dir, name));
    await Promise.all([lower, upper, work, merged].map((path) => mkdir(path!)));
    const data = `lowerdir=${lower},upperdir=${upper},workdir=${work},userxattr`;
    // The mount namespace ends with the command: nothing to unmount.
    const result = await execInUserNamespace(mapping, ['mount', '-t', 'overlay', 'overlay', '-o', data, merged!], 'probing overlay in a user namespace', { mount: true });
    if (result.code === 0) return { kernel: release(), supported: true };
    return { kernel: release(), supported: false, reason: result.stderr.trim().split('\n')[0] || `mount exited with status ${result.code}` };
  } finally {
    await removeTree(dir, mapping).catch(() => undefined);
  }
}
