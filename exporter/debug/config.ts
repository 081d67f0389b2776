/**
 * exporters:
 *   debug:
 *     verbosity: basic    # basic: a line per batch | normal: a line per record | detailed: every field
 */
import { z } from 'zod';

export const DEBUG_VERBOSITY = ['basic', 'normal', 'detailed'] as const;

export const debugExporterConfigSchema = z.strictObject({
  verbosity: z.enum(DEBUG_VERBOSITY).default('basic'),
});

export type DebugExporterConfig = z.infer<typeof debugExporterConfigSchema>;
