/** tpod's own version, read from package.json once (the single source of truth). */
import { readFileSync } from 'node:fs';

export function tpodVersion(): string {
  return readPackageJson().version;
}

/**
 * The nearest package.json above this module: dist/src/version.js is two levels below the
 * package root, the bundle's chunk (dist/bundle/tpod/) three.
 */
function readPackageJson(): { version: string } {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      return JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error('package.json of tpod not found');
}
