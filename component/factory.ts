/**
 * Factories build components from their typed config, as in the Collector: each has a
 * `type` (the key in the YAML), a zod schema that fills defaults and rejects unknown keys,
 * and create functions for the signals it supports.
 */
import type { z } from 'zod';
import type { LogsConsumer, TracesConsumer } from '../consumer/consumer';
import type { Component, ComponentId } from './component';
import type { Telemetry } from './telemetry';

/** One problem in the configuration, with the path of the key it concerns. */
export interface ConfigIssue {
  /** e.g. `receivers.filelog/kata.include[0]` */
  path: string;
  message: string;
}

/** What every created component gets besides its config. */
export interface CreateSettings {
  id: ComponentId;
  telemetry: Telemetry;
  /** A directory the component may keep durable state in (queues, checkpoints). */
  storageDir: string;
}

export interface Factory<C> {
  readonly type: string;
  /** Parses the raw YAML value (undefined when the key had no body) into a config with defaults. */
  readonly schema: z.ZodType<C>;
  /** Checks that need the whole config (file exists, port ranges...); [] when valid. */
  validate?(config: C): ConfigIssue[];
}

export interface ReceiverFactory<C> extends Factory<C> {
  createLogs?(settings: CreateSettings, config: C, next: LogsConsumer): Component;
  createTraces?(settings: CreateSettings, config: C, next: TracesConsumer): Component;
}

export interface ProcessorFactory<C> extends Factory<C> {
  createLogs?(settings: CreateSettings, config: C, next: LogsConsumer): Component & LogsConsumer;
  createTraces?(settings: CreateSettings, config: C, next: TracesConsumer): Component & TracesConsumer;
}

export interface ExporterFactory<C> extends Factory<C> {
  createLogs?(settings: CreateSettings, config: C): Component & LogsConsumer;
  createTraces?(settings: CreateSettings, config: C): Component & TracesConsumer;
}

/** Runs a factory's schema and validate(), prefixing every issue with `path`. */
export function parseComponentConfig<C>(factory: Factory<C>, raw: unknown, path: string): { config?: C; issues: ConfigIssue[] } {
  const result = factory.schema.safeParse(raw ?? {});
  if (!result.success) {
    return {
      issues: result.error.issues.map((i) => ({
        path: [path, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '['),
        message: i.message,
      })),
    };
  }
  const issues = (factory.validate?.(result.data) ?? []).map((i) => ({ ...i, path: i.path === '' ? path : `${path}.${i.path}` }));
  return issues.length > 0 ? { issues } : { config: result.data, issues: [] };
}
