/** Factory of the `otlphttp` exporter (OTLP/HTTP, protobuf or JSON), logs and traces. */
import type { CreateSettings, ExporterFactory } from '../../component/factory';
import { LogsExporter, TracesExporter } from '../helper/exporters';
import { QueuedExporter } from '../helper/queued-exporter';
import type { Signal } from '../helper/signals';
import { LOGS_SIGNAL, TRACES_SIGNAL } from '../helper/signals';
import type { OtlpHttpExporterConfig } from './config';
import { otlpHttpExporterConfigSchema, signalUrl, validateOtlpHttpExporterConfig } from './config';
import { HttpSender } from './http-sender';

function core(settings: CreateSettings, config: OtlpHttpExporterConfig, signal: Signal): QueuedExporter {
  const url = signalUrl(config, signal);
  return new QueuedExporter({
    settings,
    signal,
    queue: config.sending_queue,
    retry: config.retry_on_failure,
    destination: url === undefined ? '(none)' : `${url.origin}${url.pathname}`,
    createSender: () => new HttpSender(config, signal),
  });
}

export const otlpHttpExporterFactory: ExporterFactory<OtlpHttpExporterConfig> = {
  type: 'otlphttp',
  schema: otlpHttpExporterConfigSchema,
  validate: validateOtlpHttpExporterConfig,
  createLogs: (settings, config) => new LogsExporter(core(settings, config, LOGS_SIGNAL)),
  createTraces: (settings, config) => new TracesExporter(core(settings, config, TRACES_SIGNAL)),
};
