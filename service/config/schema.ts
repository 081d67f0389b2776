/**
 * Schema of the `service:` section. Component sections are checked by their factories'
 * schemas; how pipelines refer to components is checked in graph.ts.
 */
import { z } from 'zod';
import { LOG_LEVELS } from '../telemetry/logger';
import { parseListenAddress } from '../telemetry/server';
import { describeValue } from './issues';
import { METRICS_LEVELS } from './types';

export const DEFAULT_TELEMETRY_ADDRESS = '127.0.0.1:8888';
export const DEFAULT_STORAGE_DIR = './kata-otel-data';

const idList = (what: string) => z.array(z.string().min(1, 'Must not be empty').describe(`a ${what} id`)).describe(`a list of ${what} ids`);

export const pipelineSchema = z.strictObject({
  receivers: idList('receiver').min(1, 'Expected at least one receiver'),
  processors: idList('processor').default([]),
  exporters: idList('exporter').min(1, 'Expected at least one exporter'),
});

const listenAddress = z
  .string()
  .describe('an address such as 127.0.0.1:8888')
  .refine((s) => parseListenAddress(s) !== undefined, {
    error: (iss) => `Expected host:port (such as 127.0.0.1:8888, [::1]:8888 or :8888), got ${describeValue(iss.input)}`,
  });

export const telemetrySchema = z.strictObject({
  logs: z.strictObject({
    level: z.enum(LOG_LEVELS).default('info'),
  }).default({ level: 'info' }),
  metrics: z.strictObject({
    level: z.enum(METRICS_LEVELS).default('normal'),
    address: listenAddress.default(DEFAULT_TELEMETRY_ADDRESS),
  }).default({ level: 'normal', address: DEFAULT_TELEMETRY_ADDRESS }),
});

export const telemetryDefaulted = telemetrySchema.default({
  logs: { level: 'info' },
  metrics: { level: 'normal', address: DEFAULT_TELEMETRY_ADDRESS },
});

export const storageSchema = z.strictObject({
  directory: z.string().min(1, 'Must not be empty').default(DEFAULT_STORAGE_DIR),
}).default({ directory: DEFAULT_STORAGE_DIR });

export const serviceExtensionsSchema = idList('extension').default([]);

/** Keys of `service:`; each is checked on its own so one bad key does not hide the others' issues. */
export const SERVICE_KEYS = ['extensions', 'pipelines', 'telemetry', 'storage'] as const;

export const PIPELINES_EXPECTED = 'a mapping of pipelines, such as logs: {receivers: [...], processors: [...], exporters: [...]}';
export const TOP_LEVEL_KEYS = ['receivers', 'processors', 'exporters', 'extensions', 'service'] as const;
