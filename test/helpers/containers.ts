/**
 * What the container integration tests share: a temp store holding the fixture busybox
 * (as localhost/busybox:latest, pulled from the OCI layout, no registry needed), unique
 * container names, polling, and the user's own tools (systemctl) on the sandbox.
 *
 *   const store = busyboxStore();
 *   before(() => store.ready);
 *   after(() => store.cleanup());
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fixtureLayout } from './env.js';
import { runTpod, tempStore, tpodOk, type TempStore } from './tpod.js';

export interface BusyboxStore extends TempStore {
  /** Resolves once busybox is pulled into the store. */
  ready: Promise<void>;
  /** `tpod rm -a -f -t 0`, then remove the store (mounts first); safe on failure paths. */
  cleanup(): Promise<void>;
}

export function busyboxStore(prefix = 'tpod-ctr-'): BusyboxStore {
  const store = tempStore(prefix);
  let ready: Promise<void> | undefined;
  return {
    ...store,
    get ready() {
      ready ??= tpodOk(['pull', '-q', `oci:${fixtureLayout()}:busybox`], { store }).then(() => undefined);
      return ready;
    },
    async cleanup() {
      await runTpod(['rm', '-a', '-f', '-t', '0'], { store, timeoutMs: 120_000 }).catch(() => undefined);
      store.remove();
    },
  };
}

/** A container name no other test (or earlier run) uses. */
export function uniqueName(what: string): string {
  return `${what}-${randomBytes(3).toString('hex')}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls probe until it returns something other than undefined; fails naming `what`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** `tpod inspect --format TEMPLATE NAME`, trimmed. */
export async function inspectField(store: TempStore, name: string, template: string): Promise<string> {
  return (await tpodOk(['inspect', '--format', template, name], { store })).trim();
}

/** Names (or another template field) of `tpod ps -a`. */
export async function psAll(store: TempStore, template = '{{.Names}}'): Promise<string[]> {
  return (await tpodOk(['ps', '-a', '--format', template], { store })).split('\n').filter(Boolean);
}

/** Runs systemctl (no pager) and returns status and output, as a user reads them. */
export function systemctl(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('systemctl', ['--no-pager', ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Active `tpod-*` units whose name mentions one of these container IDs. */
export function activeUnitsOf(ids: string[]): string[] {
  const units = systemctl('list-units', 'tpod-*', '--no-legend', '--plain').stdout.split('\n');
  return units.map((line) => line.trim().split(/\s+/)[0] ?? '').filter((unit) => unit && ids.some((id) => unit.includes(id)));
}
