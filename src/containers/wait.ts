/** `tpod wait`: poll the record (repairing it as ps does) until the container has exited. */
import type { Engine } from '../engine.js';
import { syncContainer } from './sync.js';

const POLL_MS = 50;

export async function waitForContainer(engine: Engine, nameOrId: string): Promise<number> {
  const id = engine.containers.get(nameOrId).id;
  for (;;) {
    const current = engine.containers.find(id);
    if (!current) return 0; // removed (--rm) after exiting
    const synced = await syncContainer(engine, current);
    if (!synced) return 0;
    if (synced.state === 'exited') return synced.exitCode ?? -1;
    if (synced.state === 'created') return synced.exitCode ?? 0;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
