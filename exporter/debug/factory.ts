/** The `debug` exporter's factory (settings: config.ts). */
import { formatComponentId } from '../../component/component';
import type { ExporterFactory } from '../../component/factory';
import { componentMetrics } from '../../service/telemetry/metrics';
import type { DebugExporterConfig } from './config';
import { debugExporterConfigSchema } from './config';
import { DebugExporter } from './debug-exporter';

export const debugExporterFactory: ExporterFactory<DebugExporterConfig> = {
  type: 'debug',
  schema: debugExporterConfigSchema,
  createLogs: (settings, c) => new DebugExporter(formatComponentId(settings.id), c, process.stdout, componentMetrics(settings.telemetry)),
};
