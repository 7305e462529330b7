/**
 * Which registries answered the API version check over plain http last time, so the next
 * pull from such an insecure registry tries http first instead of paying for a failed TLS
 * handshake every time (loading Node's TLS and its root certificates: ~20 ms of a warm
 * pull). Only a hint: the order changes, never what is allowed; plain http is still tried
 * only where it is allowed (--tls-verify=false, `insecure`, localhost), and a registry
 * that stops answering http is detected again from https.
 *
 * One empty marker file per endpoint under the runroot, which is tmpfs: forgotten at boot.
 * Best effort both ways: a marker that cannot be written or read only costs the probe.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface OriginMemory {
  answeredPlainHttp(endpoint: string): boolean;
  /** Records which scheme answered the version check; https forgets a plain http one. */
  remember(endpoint: string, scheme: 'https' | 'http'): Promise<void>;
}

export class PlainHttpMarkers implements OriginMemory {
  constructor(private readonly dir: string) {}

  answeredPlainHttp(endpoint: string): boolean {
    return existsSync(this.marker(endpoint));
  }

  async remember(endpoint: string, scheme: 'https' | 'http'): Promise<void> {
    const marker = this.marker(endpoint);
    try {
      if (scheme === 'https') {
        await rm(marker, { force: true });
      } else if (!existsSync(marker)) {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await writeFile(marker, '');
      }
    } catch {
      // a hint only: without it the next pull probes https first again
    }
  }

  /** `host[:port]` has no slash (a reference's registry part cannot), so it names a file. */
  private marker(endpoint: string): string {
    return join(this.dir, endpoint.replaceAll('/', '_'));
  }
}
