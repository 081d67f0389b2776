/**
 * Checks between sections, after each component's own config was checked:
 * - every id a pipeline lists is defined in its section, once per list;
 * - every listed component supports the pipeline's signal;
 * - service.extensions lists defined extensions;
 * - components defined but not used are reported as warnings;
 * - no two used components (or the telemetry endpoint) claim the same listen address or file.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ComponentId } from '../../component/component';
import type { ConfigIssue } from '../../component/factory';
import type { ClaimsResources, ResourceClaim } from '../component-registry';
import { parseListenAddress } from '../telemetry/server';
import type { ComponentKind } from '../telemetry/telemetry';
import { joinPath } from './issues';
import type { PipelineConfig, Signal } from './types';

export type SectionName = 'receivers' | 'processors' | 'exporters' | 'extensions';

/** A component as far as its section could be read; `config` only when it is valid. */
export interface SectionEntry {
  kind: ComponentKind;
  key: string;
  id: ComponentId;
  factory?: {
    createLogs?: unknown;
    createTraces?: unknown;
  } & ClaimsResources<unknown>;
  config?: unknown;
}

export type Sections = Record<SectionName, Map<string, SectionEntry>>;

const LIST_SECTION: Record<'receivers' | 'processors' | 'exporters', { section: SectionName; kind: ComponentKind }> = {
  receivers: { section: 'receivers', kind: 'receiver' },
  processors: { section: 'processors', kind: 'processor' },
  exporters: { section: 'exporters', kind: 'exporter' },
};

function supports(entry: SectionEntry, signal: Signal): boolean {
  const f = entry.factory;
  if (f === undefined) return true; // its unknown type was reported already
  return typeof (signal === 'logs' ? f.createLogs : f.createTraces) === 'function';
}

function supported(entry: SectionEntry): string {
  const s: string[] = [];
  if (supports(entry, 'logs')) s.push('logs');
  if (supports(entry, 'traces')) s.push('traces');
  return s.length === 0 ? 'none' : s.join(', ');
}

/** Checks one pipeline's lists against the sections. */
export function checkPipeline(p: PipelineConfig, sections: Sections, issues: ConfigIssue[]): void {
  const base = `service.pipelines.${p.key}`;
  for (const list of ['receivers', 'processors', 'exporters'] as const) {
    const { section, kind } = LIST_SECTION[list];
    const seen = new Set<string>();
    p[list].forEach((id, i) => {
      const path = `${base}.${list}[${i}]`;
      if (seen.has(id)) {
        issues.push({ path, message: `${JSON.stringify(id)} is listed twice in this pipeline` });
        return;
      }
      seen.add(id);
      const entry = sections[section].get(id);
      if (entry === undefined) {
        issues.push({ path, message: `${JSON.stringify(id)} is not defined under ${section}` });
        return;
      }
      if (!supports(entry, p.signal)) {
        issues.push({ path, message: `${kind} ${JSON.stringify(id)} does not support ${p.signal} (it supports: ${supported(entry)})` });
      }
    });
  }
}

export function checkServiceExtensions(ids: readonly string[], sections: Sections, issues: ConfigIssue[]): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const path = `service.extensions[${i}]`;
    if (seen.has(id)) issues.push({ path, message: `${JSON.stringify(id)} is listed twice` });
    else if (!sections.extensions.has(id)) issues.push({ path, message: `${JSON.stringify(id)} is not defined under extensions` });
    seen.add(id);
  });
}

/** The entries some pipeline (or service.extensions) uses, per section. */
export function usedKeys(pipelines: Iterable<PipelineConfig>, serviceExtensions: readonly string[]): Record<SectionName, Set<string>> {
  const used: Record<SectionName, Set<string>> = {
    receivers: new Set(), processors: new Set(), exporters: new Set(), extensions: new Set(serviceExtensions),
  };
  for (const p of pipelines) {
    for (const id of p.receivers) used.receivers.add(id);
    for (const id of p.processors) used.processors.add(id);
    for (const id of p.exporters) used.exporters.add(id);
  }
  return used;
}

export function warnUnused(sections: Sections, used: Record<SectionName, Set<string>>, warnings: ConfigIssue[]): void {
  for (const section of ['receivers', 'processors', 'exporters', 'extensions'] as const) {
    for (const key of sections[section].keys()) {
      if (used[section].has(key)) continue;
      warnings.push({
        path: `${section}.${key}`,
        message: section === 'extensions' ? 'Defined but not listed in service.extensions' : 'Defined but not used in any pipeline',
      });
    }
  }
}

interface Claim {
  kind: ResourceClaim['kind'];
  /** What is compared: a resolved path, or host:port with the host normalised. */
  host: string;
  port: number;
  file: string;
  shown: string;
  path: string;
}

const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]']);

function normaliseHost(h: string): string {
  const lower = h.toLowerCase();
  if (lower === 'localhost' || lower === '::1') return '127.0.0.1';
  return lower;
}

function conflicts(a: Claim, b: Claim): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'file') return a.file === b.file;
  if (a.port !== b.port || a.port === 0) return false;
  return a.host === b.host || WILDCARD.has(a.host) || WILDCARD.has(b.host);
}

/**
 * Two used components (or one component twice) claiming the same resource: the later
 * claim is the issue, naming the earlier one. `telemetryAddress` is the /metrics endpoint
 * when it is on.
 */
export function checkClaims(
  sections: Sections,
  used: Record<SectionName, Set<string>>,
  telemetryAddress: string | undefined,
  cwd: string,
  issues: ConfigIssue[],
): void {
  const claims: Claim[] = [];
  const add = (c: ResourceClaim, path: string): void => {
    let claim: Claim;
    if (c.kind === 'file') {
      claim = { kind: 'file', host: '', port: 0, file: isAbsolute(c.value) ? resolve(c.value) : resolve(cwd, c.value), shown: c.value, path };
    } else {
      const a = parseListenAddress(c.value);
      if (a === undefined) return; // the component's own schema reports a malformed address
      claim = { kind: 'listen', host: normaliseHost(a.host), port: a.port, file: '', shown: c.value, path };
    }
    const earlier = claims.find((x) => conflicts(x, claim));
    if (earlier !== undefined) {
      const what = claim.kind === 'file' ? 'file' : 'address';
      issues.push({ path, message: `The ${what} ${JSON.stringify(claim.shown)} is also used by ${earlier.path}` });
    }
    claims.push(claim);
  };
  if (telemetryAddress !== undefined) add({ kind: 'listen', value: telemetryAddress, path: '' }, 'service.telemetry.metrics.address');
  for (const section of ['extensions', 'receivers', 'exporters', 'processors'] as const) {
    for (const [key, entry] of sections[section]) {
      if (!used[section].has(key) || entry.config === undefined || entry.factory?.claims === undefined) continue;
      for (const c of entry.factory.claims(entry.config)) add(c, joinPath(`${section}.${key}`, c.path === '' ? [] : [c.path]).replace(/\.\[/g, '['));
    }
  }
}
