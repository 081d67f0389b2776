/**
 * The shape of the factory table (the table itself, with kata-otel's components, is in
 * registry.ts). Kept apart so configuration and tests can build registries of their own
 * without importing every component.
 */
import type { Component } from '../component/component';
import type { CreateSettings, ExporterFactory, Factory, ProcessorFactory, ReceiverFactory } from '../component/factory';

/** Extensions (storage, auth, ...) start before and stop after every pipeline. */
export interface ExtensionFactory<C> extends Factory<C> {
  create(settings: CreateSettings, config: C): Component;
}

/**
 * Something a component holds that no other component may hold at the same time: a
 * listen address (`host:port`) or a file it reads or writes. The configuration check
 * rejects two claims on the same resource, naming both keys.
 */
export interface ResourceClaim {
  kind: 'listen' | 'file';
  /** `host:port` for listen; a path (relative ones are taken from the working directory) for file. */
  value: string;
  /** Where the value is in the component's config, e.g. `protocols.grpc.endpoint` or `paths[1]`. */
  path: string;
}

/** Optional on any factory: the resources a config claims. */
export interface ClaimsResources<C> {
  claims?(config: C): ResourceClaim[];
}

// `any`: one table holds factories of every config type.
export type AnyReceiverFactory = ReceiverFactory<any> & ClaimsResources<any>;
export type AnyProcessorFactory = ProcessorFactory<any> & ClaimsResources<any>;
export type AnyExporterFactory = ExporterFactory<any> & ClaimsResources<any>;
export type AnyExtensionFactory = ExtensionFactory<any> & ClaimsResources<any>;

export interface ComponentRegistry {
  receivers: ReadonlyMap<string, AnyReceiverFactory>;
  processors: ReadonlyMap<string, AnyProcessorFactory>;
  exporters: ReadonlyMap<string, AnyExporterFactory>;
  extensions: ReadonlyMap<string, AnyExtensionFactory>;
}

export interface FactoryLists {
  receivers?: readonly AnyReceiverFactory[];
  processors?: readonly AnyProcessorFactory[];
  exporters?: readonly AnyExporterFactory[];
  extensions?: readonly AnyExtensionFactory[];
}

const TYPE = /^[a-z][a-z0-9_]{0,63}$/;

function table<F extends { type: string }>(kind: string, list: readonly F[] | undefined): Map<string, F> {
  const m = new Map<string, F>();
  for (const f of list ?? []) {
    if (!TYPE.test(f.type)) throw new Error(`${kind} factory type ${JSON.stringify(f.type)} is not lower_snake_case`);
    if (m.has(f.type)) throw new Error(`two ${kind} factories have the type ${JSON.stringify(f.type)}`);
    m.set(f.type, f);
  }
  return m;
}

/** Builds a registry; throws on a duplicate or malformed type (a programming error). */
export function createRegistry(lists: FactoryLists): ComponentRegistry {
  return {
    receivers: table('receiver', lists.receivers),
    processors: table('processor', lists.processors),
    exporters: table('exporter', lists.exporters),
    extensions: table('extension', lists.extensions),
  };
}
