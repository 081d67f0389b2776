/**
 * Durations and byte sizes as the Collector writes them in YAML: `200ms`, `5s`, `1m`,
 * `1kb` (1000 bytes), `1KiB` (1024 bytes), `1MiB`. Units are case-insensitive, as in the
 * Collector's stanza helper; a bare number is milliseconds or bytes.
 */
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?$/i;
const DURATION_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = DURATION.exec(text.trim());
  if (m === null) return undefined;
  return Number(m[1]) * DURATION_MS[(m[2] ?? 'ms').toLowerCase()]!;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i;
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1e6, mib: 1 << 20, gb: 1e9, gib: 1 << 30 };

/** Bytes, or undefined when `text` is not a size. */
export function parseByteSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : undefined;
  const m = SIZE.exec(text.trim());
  if (m === null) return undefined;
  return Math.floor(Number(m[1]) * SIZE_BYTES[(m[2] ?? 'b').toLowerCase()]!);
}

/** A duration key: accepts `"200ms"` or a number of milliseconds, yields milliseconds. */
export function durationMs(opts: { min?: number; max?: number } = {}): z.ZodType<number, string | number> {
  const min = opts.min ?? 0;
  const max = opts.max ?? 86_400_000;
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as "200ms", "5s" or "1m", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `expected a duration between ${min}ms and ${max}ms, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A size key: accepts `"1MiB"`, `"1kb"` or a number of bytes, yields bytes. */
export function byteSize(opts: { min?: number; max?: number } = {}): z.ZodType<number, string | number> {
  const min = opts.min ?? 0;
  const max = opts.max ?? 1 << 30;
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = parseByteSize(v);
    if (n === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a size such as "1kb", "64KiB" or "1MiB", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `expected a size between ${min} and ${max} bytes, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });
}

/** `host:port` with a numeric port; the host may be an IPv6 literal in brackets. */
export function parseEndpoint(endpoint: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(endpoint.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function endpoint(): z.ZodType<string, string> {
  return z.string().refine((v) => parseEndpoint(v) !== undefined, { message: 'expected host:port, e.g. "127.0.0.1:5514"' });
}
