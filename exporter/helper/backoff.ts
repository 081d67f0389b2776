/**
 * Exponential backoff with full jitter: the n-th wait (n from 0) is uniform in
 * [0, min(max_interval, initial_interval × multiplier^n)], so many sidecars recovering from
 * the same outage do not retry in lockstep. A server's throttling hint (Retry-After,
 * gRPC RetryInfo) is a floor, as in the Collector's retry sender, capped at
 * MAX_THROTTLE_MS so a bogus hint cannot park the queue for days.
 */
import type { RetryConfig } from './config';

export const MAX_THROTTLE_MS = 5 * 60_000;

export function backoffDelayMs(cfg: RetryConfig, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(cfg.max_interval, cfg.initial_interval * cfg.multiplier ** Math.min(attempt, 1000));
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_THROTTLE_MS));
}

/** Resolves after `ms`, or early (with false) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
