/** Builds exporters the way the service does (factory schema → create → start) for the tests. */
import { parseComponentConfig } from '../../component/factory';
import type { Component } from '../../component/component';
import type { LogsConsumer, TracesConsumer } from '../../consumer/consumer';
import { LogsExporter, TracesExporter } from '../../exporter/helper/exporters';
import type { QueuedExporter } from '../../exporter/helper/queued-exporter';
import { otlpExporterFactory } from '../../exporter/otlp';
import { otlpHttpExporterFactory } from '../../exporter/otlphttp';
import type { MemoryTelemetry } from './otlp-fakes';
import { settingsFor } from './otlp-fakes';

export type Transport = 'grpc' | 'http';

/** Retries fast enough for tests. */
export const FAST_RETRY = { initial_interval: '20ms', max_interval: '150ms', multiplier: 1.5 };

export interface Built<T> {
  exporter: T & Component;
  core: QueuedExporter;
  telemetry: MemoryTelemetry;
}

const live = new Set<Component>();

/** Shuts down every exporter the harness built (an afterEach, so a failed test leaves no handles open). */
export async function shutdownAll(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.all(all.map((c) => c.shutdown()));
}

function parse(transport: Transport, raw: Record<string, unknown>): unknown {
  const factory = transport === 'grpc' ? otlpExporterFactory : otlpHttpExporterFactory;
  const { config, issues } = parseComponentConfig(factory as never, raw, `exporters.${factory.type}`);
  if (config === undefined) throw new Error(`bad test config: ${JSON.stringify(issues)}`);
  return config;
}

export async function logsExporter(transport: Transport, endpoint: string, storageDir: string, raw: Record<string, unknown> = {}, telemetry?: MemoryTelemetry): Promise<Built<LogsConsumer>> {
  const factory = transport === 'grpc' ? otlpExporterFactory : otlpHttpExporterFactory;
  const config = parse(transport, { endpoint, retry_on_failure: FAST_RETRY, ...raw });
  const s = settingsFor(storageDir, telemetry);
  const exporter = factory.createLogs!(s.settings, config as never) as LogsExporter;
  live.add(exporter);
  await exporter.start(s.host);
  return { exporter, core: exporter.core, telemetry: s.telemetry };
}

export async function tracesExporter(transport: Transport, endpoint: string, storageDir: string, raw: Record<string, unknown> = {}): Promise<Built<TracesConsumer>> {
  const factory = transport === 'grpc' ? otlpExporterFactory : otlpHttpExporterFactory;
  const config = parse(transport, { endpoint, retry_on_failure: FAST_RETRY, ...raw });
  const s = settingsFor(storageDir);
  const exporter = factory.createTraces!(s.settings, config as never) as TracesExporter;
  live.add(exporter);
  await exporter.start(s.host);
  return { exporter, core: exporter.core, telemetry: s.telemetry };
}
