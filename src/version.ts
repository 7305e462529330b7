/** tpod's own version, read from package.json once (the single source of truth). */
import { readFileSync } from 'node:fs';

const packageJsonUrl = new URL('../../package.json', import.meta.url);

export function tpodVersion(): string {
  const pkg = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version: string };
  return pkg.version;
}
