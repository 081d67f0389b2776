/** The configuration after loading: every component resolved to its factory and typed config. */
import type { ComponentId } from '../../component/component';
import type { ConfigIssue } from '../../component/factory';
import type {
  AnyExporterFactory, AnyExtensionFactory, AnyProcessorFactory, AnyReceiverFactory,
} from '../component-registry';
import type { LogLevel } from '../telemetry/logger';
import type { ComponentKind } from '../telemetry/telemetry';

export const SIGNALS = ['logs', 'traces'] as const;
export type Signal = (typeof SIGNALS)[number];

export interface ResolvedComponent<F> {
  kind: ComponentKind;
  /** The key as written (`file/out`). */
  key: string;
  id: ComponentId;
  factory: F;
  /** The schema's output: defaults filled in. */
  config: unknown;
}

export interface PipelineConfig {
  /** `logs`, `logs/<name>`, `traces`, ... */
  key: string;
  signal: Signal;
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export const METRICS_LEVELS = ['none', 'basic', 'normal', 'detailed'] as const;
export type MetricsLevel = (typeof METRICS_LEVELS)[number];

export interface TelemetryConfig {
  logs: { level: LogLevel };
  /** `level: none` turns the HTTP endpoint (/metrics, /healthz, /readyz) off. */
  metrics: { level: MetricsLevel; address: string };
}

export interface ServiceConfig {
  receivers: Map<string, ResolvedComponent<AnyReceiverFactory>>;
  processors: Map<string, ResolvedComponent<AnyProcessorFactory>>;
  exporters: Map<string, ResolvedComponent<AnyExporterFactory>>;
  extensions: Map<string, ResolvedComponent<AnyExtensionFactory>>;
  pipelines: Map<string, PipelineConfig>;
  /** service.extensions: the extensions to run, in start order. */
  serviceExtensions: string[];
  telemetry: TelemetryConfig;
  /** service.storage.directory: components keep durable state in per-component folders below it. */
  storageDir: string;
}

export interface LoadResult {
  /** Present only when there are no issues. */
  config?: ServiceConfig;
  issues: ConfigIssue[];
  /** Not errors: components defined but unused, ... */
  warnings: ConfigIssue[];
}
