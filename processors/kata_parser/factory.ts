/**
 * processors:
 *   kata_parser:
 *     original: false      # add log.record.original (the exact input lines)
 *     max_lines: 1000      # bound of one multi-line record
 *     max_bytes: 1048576
 */
import type { ProcessorFactory } from '../../component/factory';
import { componentMetrics } from '../../service/telemetry/metrics';
import type { KataParserConfig } from './config';
import { kataParserConfigSchema } from './config';
import { KataParserProcessor } from './processor';

export const kataParserProcessorFactory: ProcessorFactory<KataParserConfig> = {
  type: 'kata_parser',
  schema: kataParserConfigSchema,
  createLogs: (settings, config, next) => new KataParserProcessor(config, next, componentMetrics(settings.telemetry)),
};
