/** Settings of the `sigma` processor. */
import { z } from 'zod';
import { LEVELS } from './rule';

const idsAndTags = z.strictObject({
  /** Rule ids (UUIDs). */
  ids: z.array(z.string().min(1)).max(10_000).default([]),
  /** Sigma tags, e.g. `attack.t1609` or `kata.category.debug-access`. */
  tags: z.array(z.string().min(1)).max(10_000).default([]),
});

export const sigmaConfigSchema = z.strictObject({
  /** Load the rule pack shipped with kata-otel (`rules/`). */
  bundled: z.boolean().default(true),
  /** More rule files or directories (searched recursively for .yml/.yaml). */
  paths: z.array(z.string().min(1)).max(1000).default([]),
  /** Rules below this level are off. */
  min_level: z.enum(LEVELS).default('informational'),
  /** When not empty, only these rules are on. */
  enable: idsAndTags.prefault({}),
  /** These rules are off. */
  disable: idsAndTags.prefault({}),
  /**
   * Silence a rule (`'*'`: every rule) on records whose field matches one of the values
   * (Sigma strings: case-insensitive, `*` and `?` wildcards). Counted, never silent.
   */
  exceptions: z.array(z.strictObject({
    rule: z.string().min(1),
    field: z.string().min(1),
    values: z.array(z.union([z.string(), z.number(), z.boolean()]).transform(String)).min(1).max(10_000),
  })).max(10_000).default([]),
  /** Values of `%placeholder%`s in rules that use the `expand` modifier. */
  expand: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a placeholder name: letters, digits, _ . -'), z.array(z.string()).min(1).max(1000)).default({}),
  correlation: z.strictObject({
    /** Groups (group-by values) one correlation rule tracks at a time; the least recently seen is evicted. */
    max_groups: z.number().int().min(1).max(1_000_000).default(10_000),
  }).prefault({}),
});

export type SigmaConfig = z.infer<typeof sigmaConfigSchema>;
