/**
 * Settings of the `file` exporter, as in the Collector's file exporter:
 *
 * exporters:
 *   file:
 *     path: ./kata-otel-out/logs.jsonl   # required; its folder is created
 *     format: otlp_json                  # otlp_json: one ExportLogsServiceRequest per line | ndjson: one record per line
 *     append: false                      # false: start a fresh file (the Collector's default); true: add to it
 *     rotation:                          # optional; without it the file grows without bound
 *       max_megabytes: 100               # rotate before the file would exceed this (MiB)
 *       max_backups: 100                 # rotated files kept (oldest removed); 0 keeps all
 */
import { statSync } from 'node:fs';
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';

export const FILE_FORMATS = ['otlp_json', 'ndjson'] as const;

export const fileExporterConfigSchema = z.strictObject({
  path: z.string().min(1, 'Must not be empty').describe('the file to write, such as ./kata-otel-out/logs.jsonl'),
  format: z.enum(FILE_FORMATS).default('otlp_json'),
  append: z.boolean().default(false),
  rotation: z.strictObject({
    max_megabytes: z.number().int().min(1).max(1 << 20).default(100),
    max_backups: z.number().int().min(0).max(100_000).default(100),
  }).describe('a mapping with max_megabytes and max_backups').optional(),
});

export type FileExporterConfig = z.infer<typeof fileExporterConfigSchema>;

export function validateFileExporterConfig(c: FileExporterConfig): ConfigIssue[] {
  try {
    if (statSync(c.path).isDirectory()) return [{ path: 'path', message: `Expected a file, but ${JSON.stringify(c.path)} is a directory` }];
  } catch {
    // Not there yet: it is created at start.
  }
  return [];
}
