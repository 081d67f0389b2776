/**
 * Loading a configuration: YAML → `${env:...}` expansion → every section checked on its
 * own → checks between sections. All issues are collected, none stops the others; the
 * config is returned only when there are none.
 *
 *   receivers:  { <type>[/<name>]: <settings>, ... }
 *   processors: { ... }
 *   exporters:  { ... }
 *   extensions: { ... }
 *   service:
 *     extensions: [ids]
 *     pipelines:  { logs|logs/<name>|traces|traces/<name>: { receivers: [..], processors: [..], exporters: [..] } }
 *     telemetry:  { logs: { level }, metrics: { level, address } }
 *     storage:    { directory }
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { ComponentId } from '../../component/component';
import { parseComponentId } from '../../component/component';
import type { ConfigIssue, Factory } from '../../component/factory';
import type {
  AnyExporterFactory, AnyExtensionFactory, AnyProcessorFactory, AnyReceiverFactory, ComponentRegistry,
} from '../component-registry';
import type { ComponentKind } from '../telemetry/telemetry';
import type { Env } from './env';
import { expandEnv } from './env';
import type { SectionEntry, SectionName, Sections } from './graph';
import { checkClaims, checkPipeline, checkServiceExtensions, usedKeys, warnUnused } from './graph';
import { describeValue, parseComponent, parseWithIssues } from './issues';
import {
  pipelineSchema, PIPELINES_EXPECTED, SERVICE_KEYS, serviceExtensionsSchema, storageSchema, telemetryDefaulted, TOP_LEVEL_KEYS,
} from './schema';
import type { LoadResult, PipelineConfig, ResolvedComponent, ServiceConfig, Signal, TelemetryConfig } from './types';
import { SIGNALS } from './types';

export interface LoadOptions {
  registry: ComponentRegistry;
  /** Variables for `${env:...}`; default process.env. */
  env?: Env;
  /** Relative file paths in claims are resolved against it; default process.cwd(). */
  cwd?: string;
}

type Mapping = Record<string, unknown>;

function isMapping(v: unknown): v is Mapping {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `key:` with no value is YAML null; inside settings it means "not given". */
function nullsToUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (isMapping(x) ? nullsToUndefined(x) : x));
  if (!isMapping(v)) return v;
  const out: Mapping = {};
  for (const [k, x] of Object.entries(v)) out[k] = x === null ? undefined : nullsToUndefined(x);
  return out;
}

const KIND_OF: Record<SectionName, ComponentKind> = {
  receivers: 'receiver', processors: 'processor', exporters: 'exporter', extensions: 'extension',
};

function readSection(
  section: SectionName,
  raw: unknown,
  factories: ReadonlyMap<string, Factory<unknown> & NonNullable<SectionEntry['factory']>>,
  issues: ConfigIssue[],
): Map<string, SectionEntry> {
  const entries = new Map<string, SectionEntry>();
  if (raw === undefined) return entries;
  const kind = KIND_OF[section];
  if (!isMapping(raw)) {
    issues.push({ path: section, message: `Expected a mapping of ${kind} ids to their settings, got ${describeValue(raw)}` });
    return entries;
  }
  for (const [key, value] of Object.entries(raw)) {
    const path = `${section}.${key}`;
    const id: ComponentId | undefined = parseComponentId(key);
    if (id === undefined) {
      issues.push({ path, message: 'Invalid id; expected type or type/name (type: lower_snake_case; name: letters, digits, _ . -)' });
      continue;
    }
    const factory = factories.get(id.type);
    if (factory === undefined) {
      const known = [...factories.keys()].sort();
      issues.push({ path, message: `Unknown ${kind} type ${JSON.stringify(id.type)}; known types: ${known.length > 0 ? known.join(', ') : '(none)'}` });
      entries.set(key, { kind, key, id });
      continue;
    }
    const parsed = parseComponent(factory, value, path);
    issues.push(...parsed.issues);
    entries.set(key, { kind, key, id, factory, config: parsed.issues.length === 0 ? parsed.config : undefined });
  }
  return entries;
}

interface ServiceParts {
  pipelines: PipelineConfig[];
  /** Ids the pipelines list as written (also in pipelines with issues); undefined when there are no pipelines to read. */
  referenced?: PipelineConfig[];
  extensions: string[];
  telemetry?: TelemetryConfig;
  storageDir?: string;
}

function readPipelineKey(key: string, path: string, issues: ConfigIssue[]): Signal | undefined {
  const id = parseComponentId(key);
  const type = id?.type ?? '';
  if ((SIGNALS as readonly string[]).includes(type)) return type as Signal;
  if (type === 'metrics') {
    issues.push({ path, message: 'Metrics pipelines are not supported; kata-otel carries logs and traces' });
  } else {
    issues.push({ path, message: 'Unknown pipeline; expected logs, traces, logs/<name> or traces/<name>' });
  }
  return undefined;
}

function readService(raw: unknown, issues: ConfigIssue[]): ServiceParts {
  const parts: ServiceParts = { pipelines: [], extensions: [] };
  if (raw === undefined) {
    issues.push({ path: 'service', message: `Required: a mapping with pipelines, such as pipelines: {logs: {receivers: [...], exporters: [...]}}` });
    return parts;
  }
  if (!isMapping(raw)) {
    issues.push({ path: 'service', message: `Expected a mapping with pipelines (and optionally extensions, telemetry, storage), got ${describeValue(raw)}` });
    return parts;
  }
  for (const k of Object.keys(raw)) {
    if (!(SERVICE_KEYS as readonly string[]).includes(k)) issues.push({ path: `service.${k}`, message: `Unknown key; expected one of: ${SERVICE_KEYS.join(', ')}` });
  }
  const ext = parseWithIssues(serviceExtensionsSchema, raw.extensions, 'service.extensions');
  issues.push(...ext.issues);
  parts.extensions = ext.data ?? [];
  const tel = parseWithIssues(telemetryDefaulted, raw.telemetry, 'service.telemetry');
  issues.push(...tel.issues);
  parts.telemetry = tel.data;
  const storage = parseWithIssues(storageSchema, raw.storage, 'service.storage');
  issues.push(...storage.issues);
  parts.storageDir = storage.data?.directory;

  const pipelines = raw.pipelines;
  if (pipelines === undefined) {
    issues.push({ path: 'service.pipelines', message: `Required: ${PIPELINES_EXPECTED}` });
  } else if (!isMapping(pipelines)) {
    issues.push({ path: 'service.pipelines', message: `Expected ${PIPELINES_EXPECTED}, got ${describeValue(pipelines)}` });
  } else if (Object.keys(pipelines).length === 0) {
    issues.push({ path: 'service.pipelines', message: `Expected at least one pipeline: ${PIPELINES_EXPECTED}` });
  } else {
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    parts.referenced = Object.entries(pipelines).map(([key, v]) => {
      const m = isMapping(v) ? v : {};
      return { key, signal: 'logs', receivers: strings(m.receivers), processors: strings(m.processors), exporters: strings(m.exporters) };
    });
    for (const [key, value] of Object.entries(pipelines)) {
      const path = `service.pipelines.${key}`;
      const signal = readPipelineKey(key, path, issues);
      const p = parseWithIssues(pipelineSchema.describe('a mapping with receivers, processors and exporters'), value, path);
      issues.push(...p.issues);
      if (signal !== undefined && p.data !== undefined) parts.pipelines.push({ key, signal, ...p.data });
    }
  }
  return parts;
}

/** Loads configuration text; see LoadResult. */
export function loadConfigText(text: string, opts: LoadOptions): LoadResult {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const at = e.linePos?.[0];
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      issues.push({ path: at === undefined ? '(yaml)' : `line ${at.line}, column ${at.col}`, message: `Invalid YAML: ${message}` });
    }
    return { issues, warnings };
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    issues.push({ path: '(yaml)', message: `Invalid YAML: ${(err as Error).message}` });
    return { issues, warnings };
  }
  if (root === null || root === undefined) root = {};
  if (!isMapping(root)) {
    issues.push({ path: '(root)', message: `Expected a mapping with ${TOP_LEVEL_KEYS.join(', ')}, got ${describeValue(root)}` });
    return { issues, warnings };
  }

  // ${env:...} first, so every later check sees the values that will be used.
  const envIssues: ConfigIssue[] = [];
  const expanded = expandEnv(root, opts.env ?? process.env, envIssues) as Mapping;
  const top: Mapping = {};
  for (const [k, v] of Object.entries(expanded)) top[k] = v === null ? undefined : nullsToUndefined(v);

  for (const k of Object.keys(top)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(k)) issues.push({ path: k, message: `Unknown key; expected one of: ${TOP_LEVEL_KEYS.join(', ')}` });
  }
  const { registry } = opts;
  const sections: Sections = {
    receivers: readSection('receivers', top.receivers, registry.receivers, issues),
    processors: readSection('processors', top.processors, registry.processors, issues),
    exporters: readSection('exporters', top.exporters, registry.exporters, issues),
    extensions: readSection('extensions', top.extensions, registry.extensions, issues),
  };
  const svc = readService(top.service, issues);
  for (const p of svc.pipelines) checkPipeline(p, sections, issues);
  checkServiceExtensions(svc.extensions, sections, issues);
  const used = usedKeys(svc.pipelines, svc.extensions);
  // Unused means no pipeline lists it, even one with issues; without pipelines, nothing to say.
  if (svc.referenced !== undefined) warnUnused(sections, usedKeys(svc.referenced, svc.extensions), warnings);
  const metrics = svc.telemetry?.metrics;
  checkClaims(sections, used, metrics !== undefined && metrics.level !== 'none' ? metrics.address : undefined, opts.cwd ?? process.cwd(), issues);

  // A value whose variable is missing is reported once, as that, not again as a bad value.
  const envPaths = envIssues.map((i) => i.path);
  const rest = issues.filter((i) => !envPaths.some((p) => i.path === p || i.path.startsWith(`${p}.`) || i.path.startsWith(`${p}[`)));
  const all = [...envIssues, ...rest];
  if (all.length > 0 || svc.telemetry === undefined || svc.storageDir === undefined) return { issues: all, warnings };

  const resolved = <F>(section: SectionName): Map<string, ResolvedComponent<F>> => {
    const m = new Map<string, ResolvedComponent<F>>();
    for (const [key, e] of sections[section]) {
      m.set(key, { kind: e.kind, key, id: e.id, factory: e.factory as F, config: e.config });
    }
    return m;
  };
  const config: ServiceConfig = {
    receivers: resolved<AnyReceiverFactory>('receivers'),
    processors: resolved<AnyProcessorFactory>('processors'),
    exporters: resolved<AnyExporterFactory>('exporters'),
    extensions: resolved<AnyExtensionFactory>('extensions'),
    pipelines: new Map(svc.pipelines.map((p) => [p.key, p])),
    serviceExtensions: svc.extensions,
    telemetry: svc.telemetry,
    storageDir: svc.storageDir,
  };
  return { config, issues: [], warnings };
}

/** Loads a file; an unreadable file is one issue naming it. */
export async function loadConfigFile(path: string, opts: LoadOptions): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    return { issues: [{ path, message: `Cannot read the configuration file: ${why}` }], warnings: [] };
  }
  return loadConfigText(text, opts);
}

/** "2 pipelines, 1 receiver, 1 processor, 2 exporters, 0 extensions" */
export function describeConfig(c: ServiceConfig): string {
  const n = (count: number, one: string): string => `${count} ${one}${count === 1 ? '' : 's'}`;
  return [
    n(c.pipelines.size, 'pipeline'), n(c.receivers.size, 'receiver'), n(c.processors.size, 'processor'),
    n(c.exporters.size, 'exporter'), n(c.extensions.size, 'extension'),
  ].join(', ');
}
