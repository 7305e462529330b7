/**
 * Where things are, for tests running from dist/ (compiled) or anywhere else: the repository
 * root is the nearest directory above this file whose package.json names tpod.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tpod') return dir;
    if (dirname(dir) === dir) throw new Error(`no tpod package.json above ${start}`);
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
/** The launcher users run (a shell script that starts bin/tpod.cjs under node). */
export const tpodBin = join(repoRoot, 'bin', 'tpod');
export const sandboxScript = join(repoRoot, 'test', 'harness', 'sandbox.sh');
