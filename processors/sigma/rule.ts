/**
 * One Sigma document checked against the specification's schema, strictly: Sigma's own
 * top-level keys are known, any other key is an error (a typo such as `falsepositive`
 * would otherwise vanish). kata-otel's conventions on top of Sigma:
 *
 * - `id` (a UUID) and `level` are required: they become `security_rule.uuid` and
 *   `kata.security.level`.
 * - `logsource` is `product: kata`, optionally `service: <kata.component value>`.
 * - exactly one `kata.category.<value>` tag gives `security_rule.category`.
 * - `security_rule.version` is `modified`, else `date` (Sigma's own change marker, so a
 *   rule needs no custom key that `sigma check` would flag).
 */
import { ConstructError } from './errors';
import { KATA_COMPONENT_VALUES, KATA_SECURITY_CORRELATION_TYPE_VALUES, KATA_SECURITY_LEVEL_VALUES } from '../../semconv/generated/attributes';

/** Sigma's levels, least severe first (the order of the registered kata.security.level enum). */
export const LEVELS = KATA_SECURITY_LEVEL_VALUES;
export type Level = (typeof LEVELS)[number];

export const CATEGORIES = [
  'container-exec', 'policy', 'debug-access', 'vm-integrity', 'attestation', 'availability', 'guest-kernel',
  'host-exposure', 'config-weakening', 'guest-tampering', 'lifecycle',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;

const CATEGORY_PREFIX = 'kata.category.';

const TOP_KEYS = new Set([
  'title', 'id', 'name', 'related', 'taxonomy', 'status', 'description', 'license', 'author', 'references', 'date',
  'modified', 'logsource', 'detection', 'fields', 'falsepositives', 'level', 'tags', 'scope', 'correlation', 'generate',
]);
const LOGSOURCE_KEYS = new Set(['product', 'service', 'category', 'definition']);
const CORRELATION_KEYS = new Set(['type', 'rules', 'group-by', 'timespan', 'condition', 'generate', 'aliases']);
export const CORRELATION_TYPES = KATA_SECURITY_CORRELATION_TYPE_VALUES;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];
const UNSUPPORTED_CORRELATION_TYPES = new Set(['value_sum', 'value_avg', 'value_percentile']);
const COUNT_OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
export type CountOp = (typeof COUNT_OPS)[number];

export const MAX_COUNT = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}[-/](0[1-9]|1[012])[-/](0[1-9]|[12][0-9]|3[01])$/;
const TAG = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;
const TECHNIQUE = /^attack\.(t\d{4}(?:\.\d{3})?)$/;

export interface RuleMeta {
  file: string;
  id: string;
  name?: string;
  title: string;
  description: string;
  references: readonly string[];
  status: string;
  level: Level;
  tags: readonly string[];
  category: Category;
  techniques: readonly string[];
  version?: string;
}

export interface DetectionDoc extends RuleMeta {
  kind: 'detection';
  service?: string;
  detection: unknown;
}

export interface CorrelationDoc extends RuleMeta {
  kind: 'correlation';
  type: CorrelationType;
  rules: readonly string[];
  groupBy: readonly string[];
  timespanMs: number;
  timespan: string;
  condition: Partial<Record<CountOp, number>>;
  field?: string;
  generate: boolean;
}

export type RuleDoc = DetectionDoc | CorrelationDoc;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ConstructError(where, 'must be a list of strings');
  return v as string[];
}

function str(v: unknown, where: string, required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw new ConstructError(where, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw new ConstructError(where, 'must be a string');
  return v;
}

export function parseTimespan(text: string, where: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  if (m === null) throw new ConstructError(where, `${JSON.stringify(text)} is not a timespan like 30s, 5m, 1h or 1d`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's'];
  const ms = Number(m[1]) * unit;
  if (ms <= 0) throw new ConstructError(where, 'must be longer than zero');
  return ms;
}

/**
 * Checks one document. Problems are pushed to `issues` as [where, message]; the result is
 * undefined when the document cannot be used at all. `ruleLabel` reports the best name
 * known so far, for messages.
 */
export function readRuleDoc(doc: unknown, file: string, issues: [string, string][]): RuleDoc | undefined {
  const problem = (where: string, message: string): void => {
    issues.push([where, message]);
  };
  const guard = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      if (err instanceof ConstructError) {
        problem(err.where, err.message);
        return undefined;
      }
      throw err;
    }
  };
  if (!isMap(doc)) {
    problem('', 'a rule must be a YAML mapping');
    return undefined;
  }
  for (const k of Object.keys(doc)) if (!TOP_KEYS.has(k)) problem(k, 'unknown key (not a Sigma rule field)');
  const title = guard(() => str(doc.title, 'title', true)) ?? '';
  if (title.length > 256) problem('title', 'longer than 256 characters');
  const id = guard(() => str(doc.id, 'id', true)) ?? '';
  if (id !== '' && !UUID.test(id)) problem('id', `${JSON.stringify(id)} is not a UUID`);
  const name = guard(() => str(doc.name, 'name'));
  const status = guard(() => str(doc.status, 'status')) ?? 'experimental';
  if (!(STATUSES as readonly string[]).includes(status)) problem('status', `must be one of ${STATUSES.join(', ')}`);
  const description = guard(() => str(doc.description, 'description')) ?? '';
  guard(() => str(doc.author, 'author'));
  guard(() => str(doc.license, 'license'));
  guard(() => str(doc.taxonomy, 'taxonomy'));
  const references = guard(() => strings(doc.references, 'references')) ?? [];
  guard(() => strings(doc.falsepositives, 'falsepositives'));
  guard(() => strings(doc.fields, 'fields'));
  guard(() => strings(doc.scope, 'scope'));
  const dates: Record<string, string | undefined> = {};
  for (const k of ['date', 'modified'] as const) {
    const v = doc[k];
    // YAML may read an unquoted 2025-01-31 as a Date.
    const s = v instanceof Date ? v.toISOString().slice(0, 10) : guard(() => str(v, k));
    if (s !== undefined && !DATE.test(s)) problem(k, `${JSON.stringify(s)} is not a date YYYY-MM-DD`);
    dates[k] = s;
  }
  if (doc.related !== undefined) {
    const ok = Array.isArray(doc.related) && doc.related.every((r) => isMap(r) && typeof r.id === 'string'
      && ['derived', 'obsolete', 'merged', 'renamed', 'similar'].includes(String(r.type)) && Object.keys(r).every((k) => k === 'id' || k === 'type'));
    if (!ok) problem('related', 'must be a list of {id, type: derived|obsolete|merged|renamed|similar}');
  }
  const level = guard(() => str(doc.level, 'level', true));
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) problem('level', `must be one of ${LEVELS.join(', ')}`);
  const tags = guard(() => strings(doc.tags, 'tags')) ?? [];
  const seen = new Set<string>();
  for (const t of tags) {
    if (!TAG.test(t)) problem('tags', `${JSON.stringify(t)} is not a Sigma tag (namespace.value, lowercase)`);
    if (seen.has(t)) problem('tags', `${JSON.stringify(t)} is given twice`);
    seen.add(t);
  }
  const categories = tags.filter((t) => t.startsWith(CATEGORY_PREFIX)).map((t) => t.slice(CATEGORY_PREFIX.length));
  if (categories.length !== 1) problem('tags', `needs exactly one ${CATEGORY_PREFIX}<category> tag (${CATEGORIES.join(', ')}), has ${categories.length}`);
  for (const c of categories) if (!(CATEGORIES as readonly string[]).includes(c)) problem('tags', `unknown category ${JSON.stringify(CATEGORY_PREFIX + c)} (one of ${CATEGORIES.join(', ')})`);
  const techniques = tags.map((t) => TECHNIQUE.exec(t)?.[1]?.toUpperCase()).filter((t): t is string => t !== undefined);

  const meta: RuleMeta = {
    file, id, title, description, references, status, level: (level ?? 'informational') as Level, tags,
    category: (categories[0] ?? '') as Category, techniques,
  };
  if (name !== undefined) meta.name = name;
  const version = dates.modified ?? dates.date;
  if (version !== undefined) meta.version = version;

  if (doc.correlation !== undefined) {
    for (const k of ['logsource', 'detection'] as const) if (doc[k] !== undefined) problem(k, 'a correlation rule has no ' + k);
    return guard(() => readCorrelation(doc, meta, problem));
  }
  if (doc.generate !== undefined) problem('generate', 'only correlation rules take generate');
  if (!isMap(doc.logsource)) {
    problem('logsource', 'is required: {product: kata, service: <kata.component>}');
    return undefined;
  }
  const ls = doc.logsource;
  for (const k of Object.keys(ls)) if (!LOGSOURCE_KEYS.has(k)) problem(`logsource.${k}`, 'unknown key');
  if (ls.product !== 'kata') problem('logsource.product', `must be kata, not ${JSON.stringify(ls.product)}`);
  if (ls.category !== undefined) problem('logsource.category', 'kata logsources have no category; use service');
  let service: string | undefined;
  if (ls.service !== undefined) {
    if (typeof ls.service !== 'string' || !(KATA_COMPONENT_VALUES as readonly string[]).includes(ls.service)) {
      problem('logsource.service', `must be a kata.component value (${KATA_COMPONENT_VALUES.join(', ')}), not ${JSON.stringify(ls.service)}`);
    } else {
      service = ls.service;
    }
  }
  if (!isMap(doc.detection)) {
    problem('detection', 'is required: search identifiers and a condition');
    return undefined;
  }
  const out: DetectionDoc = { ...meta, kind: 'detection', detection: doc.detection };
  if (service !== undefined) out.service = service;
  return out;
}

function readCorrelation(doc: Record<string, unknown>, meta: RuleMeta, problem: (w: string, m: string) => void): CorrelationDoc | undefined {
  const c = doc.correlation;
  if (!isMap(c)) throw new ConstructError('correlation', 'must be a map {type, rules, group-by, timespan, condition}');
  for (const k of Object.keys(c)) if (!CORRELATION_KEYS.has(k)) problem(`correlation.${k}`, 'unknown key');
  if (c.aliases !== undefined) throw new ConstructError('correlation.aliases', 'aliases are not supported by kata-otel (use the same field name)');
  const type = c.type;
  if (typeof type === 'string' && UNSUPPORTED_CORRELATION_TYPES.has(type)) throw new ConstructError('correlation.type', `${type} is not supported by kata-otel`);
  if (!(CORRELATION_TYPES as readonly unknown[]).includes(type)) throw new ConstructError('correlation.type', `must be one of ${CORRELATION_TYPES.join(', ')}`);
  const rules = strings(c.rules, 'correlation.rules');
  if (rules.length === 0) throw new ConstructError('correlation.rules', 'needs at least one rule id or name');
  if ((type === 'temporal' || type === 'temporal_ordered') && rules.length < 2) throw new ConstructError('correlation.rules', `${type} needs at least two rules`);
  const groupBy = strings(c['group-by'], 'correlation.group-by');
  const timespan = str(c.timespan, 'correlation.timespan', true)!;
  const timespanMs = parseTimespan(timespan, 'correlation.timespan');
  const generate = c.generate ?? doc.generate ?? false;
  if (typeof generate !== 'boolean') throw new ConstructError('correlation.generate', 'must be true or false');
  const condition: Partial<Record<CountOp, number>> = {};
  let field: string | undefined;
  if (type === 'event_count' || type === 'value_count') {
    if (!isMap(c.condition)) throw new ConstructError('correlation.condition', `${type} needs a condition such as {gte: 5}`);
    for (const [k, v] of Object.entries(c.condition)) {
      if (k === 'field') {
        if (typeof v !== 'string') throw new ConstructError('correlation.condition.field', 'must be a field name');
        field = v;
        continue;
      }
      if (!(COUNT_OPS as readonly string[]).includes(k)) throw new ConstructError(`correlation.condition.${k}`, `unknown operator (${COUNT_OPS.join(', ')})`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConstructError(`correlation.condition.${k}`, 'must be a whole number');
      condition[k as CountOp] = v;
    }
    if (type === 'value_count' && field === undefined) throw new ConstructError('correlation.condition.field', 'value_count needs the field whose distinct values are counted');
    if (type === 'event_count' && field !== undefined) throw new ConstructError('correlation.condition.field', 'only value_count takes a field');
    // The engine decides as events arrive; a pure upper bound ("fewer than 5 in 1h") would
    // need a timer per group and fire on silence, which is not supported.
    const low = condition.gt !== undefined ? condition.gt + 1 : condition.gte ?? condition.eq;
    if (low === undefined || low < 1) {
      throw new ConstructError('correlation.condition', 'needs a lower bound (gt, gte or eq of at least 1); an upper bound alone is not supported');
    }
    // A group keeps one timestamp or value per counted event up to the bound.
    if (low > MAX_COUNT) throw new ConstructError('correlation.condition', `counts above ${MAX_COUNT} are not supported (a group keeps that many entries)`);
  } else if (c.condition !== undefined) {
    throw new ConstructError('correlation.condition', `${type} takes no condition`);
  }
  const out: CorrelationDoc = {
    ...meta, kind: 'correlation', type: type as CorrelationType, rules, groupBy, timespan, timespanMs, condition, generate,
  };
  if (field !== undefined) out.field = field;
  return out;
}
