/**
 * `filelog` receiver configuration, in the shape of the Collector's filelog receiver
 * (`include`, `exclude`, `start_at`, `poll_interval`, `fingerprint_size`, `max_log_size`,
 * `encoding`, `force_flush_period`, `max_concurrent_files`), plus kata-otel's `max_batch`
 * and `multiline` (the Kata recombiner, on by default, instead of the Collector's
 * line_start_pattern).
 */
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';
import { byteSize, durationMs } from '../helper/config-units';
import { DEFAULT_MAX_BATCH } from '../helper/delivery';

export const ENCODINGS = ['utf-8', 'utf8', 'ascii', 'latin1', 'iso-8859-1'] as const;

export const filelogConfigSchema = z
  .object({
    /** Glob patterns of files to follow (`/var/log/kata/*.log`, `**` allowed). Required. */
    include: z.array(z.string().min(1)).min(1, { message: 'list at least one glob pattern of files to read' }),
    /** Glob patterns removed from what `include` matched (rotated `*.gz` files, say). */
    exclude: z.array(z.string().min(1)).default([]),
    /**
     * Where to begin in files found at the first start (no checkpoint yet): `end` skips
     * what they already hold, `beginning` reads it. Files that appear later, and every
     * file once a checkpoint exists, are read from their start or their checkpoint.
     */
    start_at: z.enum(['end', 'beginning']).default('end'),
    poll_interval: durationMs({ min: 1, max: 3_600_000 }).default(200),
    /** Bytes at the head of a file that identify it across renames and restarts. */
    fingerprint_size: byteSize({ min: 16, max: 1 << 20 }).default(1000),
    /** A line longer than this is cut into pieces of this size, each flagged. */
    max_log_size: byteSize({ min: 64, max: 64 << 20 }).default(1 << 20),
    encoding: z.enum(ENCODINGS).default('utf-8'),
    /** A last line without its newline, or a record the recombiner holds, is sent after this much quiet. */
    force_flush_period: durationMs({ min: 1, max: 3_600_000 }).default(500),
    /** Open files at most; more matches wait (a counted event) until others close. */
    max_concurrent_files: z.number().int().min(1).max(65_536).default(1024),
    /** A file that left the include patterns (renamed or deleted) is read to its end, then closed after this much quiet. */
    rotate_wait: durationMs({ min: 0, max: 3_600_000 }).default(1000),
    /** Records per batch handed to the next stage. */
    max_batch: z.number().int().min(1).max(65_536).default(DEFAULT_MAX_BATCH),
    /** Join multi-line records (Go panics, Rust error chains, pretty JSON) into one record. */
    multiline: z
      .object({
        enabled: z.boolean().default(true),
        max_lines: z.number().int().min(1).max(100_000).default(1000),
      })
      .strict()
      .default({ enabled: true, max_lines: 1000 }),
    /** Add `log.file.path` to every record. */
    include_file_path: z.boolean().default(true),
    /** Resource attributes for every record (e.g. `host.name`). */
    resource: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type FilelogConfig = z.output<typeof filelogConfigSchema>;

export function validateFilelogConfig(config: FilelogConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.include.forEach((p, i) => {
    if (!p.startsWith('/')) issues.push({ path: `include[${i}]`, message: `use an absolute path (a relative one depends on the working directory): ${JSON.stringify(p)}` });
  });
  return issues;
}
