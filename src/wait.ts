/** Polling for a condition tpod cannot be told about (a process gone, a mount made). */

/** True as soon as `condition` holds, polled every `pollMs`; false once `timeoutMs` passed without. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
