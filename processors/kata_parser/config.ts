/** Settings of the `kata_parser` processor. */
import { z } from 'zod';

export const kataParserConfigSchema = z.strictObject({
  /** Add log.record.original: the exact input lines of each record. */
  original: z.boolean().default(false),
  /** A multi-line record is closed after this many lines (the rest starts a new one, marked split). */
  max_lines: z.number().int().min(1).max(100_000).default(1000),
  /** ... or this many bytes. */
  max_bytes: z.number().int().min(1024).max(64 << 20).default(1 << 20),
});

export type KataParserConfig = z.infer<typeof kataParserConfigSchema>;
