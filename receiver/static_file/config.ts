/**
 * receivers:
 *   static_file:
 *     paths: [examples/kata-node.log]   # required; read once each, in order
 *     batch_size: 512                   # records per batch handed to the pipeline
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';

export const staticFileConfigSchema = z.strictObject({
  paths: z.array(z.string().min(1, 'Must not be empty').describe('a file path')).min(1).describe('a list of files to read'),
  batch_size: z.number().int().min(1).max(100_000).default(512),
});

export type StaticFileConfig = z.infer<typeof staticFileConfigSchema>;

/** Every file must be there and readable now; the same file twice would double its records. */
export function validateStaticFileConfig(c: StaticFileConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  c.paths.forEach((p, i) => {
    const path = `paths[${i}]`;
    const abs = resolve(p);
    const first = seen.get(abs);
    if (first !== undefined) {
      issues.push({ path, message: `${JSON.stringify(p)} is the same file as paths[${first}]` });
      return;
    }
    seen.set(abs, i);
    try {
      const st = statSync(p);
      if (st.isDirectory()) issues.push({ path, message: `Expected a file, but ${JSON.stringify(p)} is a directory` });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      issues.push({ path, message: `Cannot read ${JSON.stringify(p)}: ${why}` });
    }
  });
  return issues;
}
