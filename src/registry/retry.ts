/**
 * When to try a registry request again, and how long to wait. Transient failures are the
 * ones a second attempt can cure: 408, 429 and the gateway/overload 5xx statuses (RFC 9110
 * section 15.6; distribution spec "TOOMANYREQUESTS"), plus connection resets and timeouts
 * (see network-errors.ts). The wait doubles per attempt with jitter, so parallel layer
 * downloads that failed together do not retry in lockstep; `Retry-After` is honoured up
 * to the policy's ceiling.
 */

export interface RetryPolicy {
  /** Additional attempts after the first; 0 disables retries. */
  maxRetries: number;
  /** Delay before the first retry, doubled for each further one. */
  baseDelayMs: number;
  /** Ceiling for any single delay, including one asked for by `Retry-After`. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 4, baseDelayMs: 250, maxDelayMs: 8000 };

const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/**
 * Milliseconds to wait before retry number `retry` (0 for the first retry): half the
 * exponential delay fixed, half random ("equal jitter"), unless the server asked for more.
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const jittered = exponential / 2 + (random() * exponential) / 2;
  const wanted = retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
  return Math.round(Math.min(policy.maxDelayMs, wanted));
}

/** `Retry-After` (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, as milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined || header.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
