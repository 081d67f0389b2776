/** Builders for the Sigma engine tests: in-memory rules and records. */
import type { Attributes, LogRecord } from '../../../pdata/log-record';
import { EMPTY_RESOURCE } from '../../../pdata/log-record';
import type { EngineOptions } from '../../../processors/sigma/engine';
import { SigmaEngine } from '../../../processors/sigma/engine';
import { formatIssue } from '../../../processors/sigma/errors';
import type { LoadOptions, Pack } from '../../../processors/sigma/pack';
import { buildPack } from '../../../processors/sigma/pack';

let counter = 0;

/** A fresh UUID-shaped id, distinct per call (tests read them back from the rule). */
export function nextId(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

export function rule(detection: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'test rule',
    id: nextId(),
    status: 'test',
    level: 'medium',
    tags: ['kata.category.policy'],
    logsource: { product: 'kata' },
    detection,
    ...extra,
  };
}

export function correlation(c: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: 'test correlation', id: nextId(), level: 'high', tags: ['kata.category.container-exec'], correlation: c, ...extra };
}

/** Builds a pack or fails with every issue. */
export function pack(docs: unknown[], opts: LoadOptions = {}): Pack {
  const { pack: p, issues } = buildPack([{ file: 'mem.yml', docs }], opts);
  if (issues.length > 0) throw new Error(issues.map(formatIssue).join('\n'));
  return p;
}

/** The issues of loading `docs`, formatted. */
export function issuesOf(docs: unknown[], opts: LoadOptions = {}): string[] {
  return buildPack([{ file: 'mem.yml', docs }], opts).issues.map(formatIssue);
}

export function record(attributes: Attributes = {}, body = '', extra: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: '1763618401000000000', observedTimeUnixNano: '1763618401000000000', severityNumber: 9, severityText: 'info',
    body, eventName: '', traceId: '', spanId: '', attributes: { ...attributes }, resource: EMPTY_RESOURCE, ...extra,
  };
}

/** Does a one-rule pack with this detection match the record? */
export function matches(detection: unknown, r: LogRecord, opts: LoadOptions = {}): boolean {
  const p = pack([rule(detection)], opts);
  return new SigmaEngine(p).evaluate(r).tagged.length === 1;
}

export function engine(docs: unknown[], opts: EngineOptions = {}, load: LoadOptions = {}): SigmaEngine {
  return new SigmaEngine(pack(docs, load), opts);
}

/** A record at `seconds` after a fixed start, for correlation windows. */
export function at(seconds: number, attributes: Attributes = {}, body = ''): LogRecord {
  const ns = (BigInt(1763618400) + BigInt(seconds)) * 1_000_000_000n;
  return record(attributes, body, { timeUnixNano: ns.toString() });
}
