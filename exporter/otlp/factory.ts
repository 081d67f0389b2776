/** Factory of the `otlp` exporter (OTLP/gRPC), logs and traces. */
import type { ExporterFactory } from '../../component/factory';
import { LogsExporter, TracesExporter } from '../helper/exporters';
import { QueuedExporter } from '../helper/queued-exporter';
import type { Signal } from '../helper/signals';
import { LOGS_SIGNAL, TRACES_SIGNAL } from '../helper/signals';
import type { CreateSettings } from '../../component/factory';
import type { OtlpExporterConfig } from './config';
import { grpcTarget, otlpExporterConfigSchema, validateOtlpExporterConfig } from './config';
import { GrpcSender } from './grpc-sender';

function core(settings: CreateSettings, config: OtlpExporterConfig, signal: Signal): QueuedExporter {
  const target = grpcTarget(config);
  return new QueuedExporter({
    settings,
    signal,
    queue: config.sending_queue,
    retry: config.retry_on_failure,
    destination: `${target?.plaintext === true ? 'grpc' : 'grpcs'}://${target?.address ?? config.endpoint}`,
    createSender: () => new GrpcSender(config, signal),
  });
}

export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  type: 'otlp',
  schema: otlpExporterConfigSchema,
  validate: validateOtlpExporterConfig,
  createLogs: (settings, config) => new LogsExporter(core(settings, config, LOGS_SIGNAL)),
  createTraces: (settings, config) => new TracesExporter(core(settings, config, TRACES_SIGNAL)),
};
