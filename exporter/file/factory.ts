/** The `file` exporter's factory (settings: config.ts). */
import type { ExporterFactory } from '../../component/factory';
import type { ClaimsResources } from '../../service/component-registry';
import { kataOtelScope } from '../../service/build-info';
import { componentMetrics } from '../../service/telemetry/metrics';
import type { FileExporterConfig } from './config';
import { fileExporterConfigSchema, validateFileExporterConfig } from './config';
import { FileExporter } from './file-exporter';

export const fileExporterFactory: ExporterFactory<FileExporterConfig> & ClaimsResources<FileExporterConfig> = {
  type: 'file',
  schema: fileExporterConfigSchema,
  validate: validateFileExporterConfig,
  claims: (c) => [{ kind: 'file', value: c.path, path: 'path' }],
  createLogs: (settings, c) => new FileExporter({
    path: c.path,
    format: c.format,
    append: c.append,
    maxBytes: c.rotation === undefined ? undefined : c.rotation.max_megabytes * 1024 * 1024,
    maxBackups: c.rotation?.max_backups ?? 0,
    scope: kataOtelScope(),
    metrics: componentMetrics(settings.telemetry),
    logger: settings.telemetry.logger,
  }),
};
