/**
 * What a match writes on a record. The OpenTelemetry `security_rule.*` attributes describe
 * one rule, so they name the most severe match (ties: the first in pack order); the Kata
 * attributes list every matching rule and every ATT&CK technique of them.
 */
import type { Attributes, LogRecord } from '../../pdata/log-record';
import {
  ATTR_KATA_SECURITY_ATTACK_TECHNIQUES, ATTR_KATA_SECURITY_CORRELATION_COUNT, ATTR_KATA_SECURITY_CORRELATION_GROUP,
  ATTR_KATA_SECURITY_CORRELATION_RULES, ATTR_KATA_SECURITY_CORRELATION_START_TIME, ATTR_KATA_SECURITY_CORRELATION_TIMESPAN,
  ATTR_KATA_SECURITY_CORRELATION_TYPE, ATTR_KATA_SECURITY_LEVEL, ATTR_KATA_SECURITY_RULE_IDS, ATTR_SECURITY_RULE_CATEGORY,
  ATTR_SECURITY_RULE_DESCRIPTION, ATTR_SECURITY_RULE_NAME, ATTR_SECURITY_RULE_REFERENCE, ATTR_SECURITY_RULE_RULESET_NAME,
  ATTR_KATA_COMPONENT, ATTR_SECURITY_RULE_UUID, ATTR_SECURITY_RULE_VERSION, EVENT_KATA_SECURITY_CORRELATION,
} from '../../semconv/generated/attributes';
import { Severity } from '../../pdata/log-record';
import type { Fired } from './correlation';
import { RECORD_FIELD_NAMES } from './fields';
import type { Level, RuleMeta } from './rule';
import { LEVELS } from './rule';

export const RULESET_NAME = 'kata';
export const CORRELATION_EVENT = EVENT_KATA_SECURITY_CORRELATION;

/** The keys written, from the generated semantic conventions. */
export const A = {
  RULE_UUID: ATTR_SECURITY_RULE_UUID,
  RULE_NAME: ATTR_SECURITY_RULE_NAME,
  RULE_CATEGORY: ATTR_SECURITY_RULE_CATEGORY,
  RULE_DESCRIPTION: ATTR_SECURITY_RULE_DESCRIPTION,
  RULE_REFERENCE: ATTR_SECURITY_RULE_REFERENCE,
  RULESET_NAME: ATTR_SECURITY_RULE_RULESET_NAME,
  RULE_VERSION: ATTR_SECURITY_RULE_VERSION,
  LEVEL: ATTR_KATA_SECURITY_LEVEL,
  RULE_IDS: ATTR_KATA_SECURITY_RULE_IDS,
  TECHNIQUES: ATTR_KATA_SECURITY_ATTACK_TECHNIQUES,
  CORR_TYPE: ATTR_KATA_SECURITY_CORRELATION_TYPE,
  CORR_COUNT: ATTR_KATA_SECURITY_CORRELATION_COUNT,
  CORR_TIMESPAN: ATTR_KATA_SECURITY_CORRELATION_TIMESPAN,
  CORR_GROUP: ATTR_KATA_SECURITY_CORRELATION_GROUP,
  CORR_RULES: ATTR_KATA_SECURITY_CORRELATION_RULES,
  CORR_START: ATTR_KATA_SECURITY_CORRELATION_START_TIME,
} as const;

export function levelRank(l: Level): number {
  return LEVELS.indexOf(l);
}

/** The most severe of `rules`; the first in the given order wins a tie. */
export function mostSevere<T extends RuleMeta>(rules: readonly T[]): T {
  let best = rules[0]!;
  for (const r of rules) if (levelRank(r.level) > levelRank(best.level)) best = r;
  return best;
}

function describeRule(a: Attributes, top: RuleMeta): void {
  a[A.RULE_UUID] = top.id;
  a[A.RULE_NAME] = top.title;
  a[A.RULE_CATEGORY] = top.category;
  if (top.description !== '') a[A.RULE_DESCRIPTION] = top.description;
  if (top.references.length > 0) a[A.RULE_REFERENCE] = top.references[0]!;
  a[A.RULESET_NAME] = RULESET_NAME;
  if (top.version !== undefined) a[A.RULE_VERSION] = top.version;
  a[A.LEVEL] = top.level;
}

function techniquesOf(rules: readonly RuleMeta[]): string[] {
  const set = new Set<string>();
  for (const r of rules) for (const t of r.techniques) set.add(t);
  return [...set].sort();
}

/** Tags `r` with `matched` (in pack order, at least one). */
export function tagRecord(r: LogRecord, matched: readonly RuleMeta[]): void {
  const a = r.attributes;
  describeRule(a, mostSevere(matched));
  a[A.RULE_IDS] = matched.map((m) => m.id);
  const tech = techniquesOf(matched);
  if (tech.length > 0) a[A.TECHNIQUES] = tech;
}

const LEVEL_SEVERITY: Record<Level, number> = {
  informational: Severity.INFO, low: Severity.INFO2, medium: Severity.WARN, high: Severity.ERROR, critical: Severity.FATAL,
};

function show(v: unknown): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
}

/** The event a firing correlation emits, placed after the record that completed it. */
export function correlationRecord(f: Fired, trigger: LogRecord): LogRecord {
  const c = f.correlation;
  const attributes: Attributes = {};
  // Group-by values are the record's own attributes again (resource keys stay in the resource).
  for (const [k, v] of f.groupValues) {
    if (v !== undefined && !RECORD_FIELD_NAMES.includes(k) && trigger.resource[k] === undefined) attributes[k] = v;
  }
  // The component whose record completed the window, as the resource is that record's.
  const component = trigger.attributes[ATTR_KATA_COMPONENT];
  if (component !== undefined) attributes[ATTR_KATA_COMPONENT] = component;
  describeRule(attributes, c);
  attributes[A.RULE_IDS] = [c.id];
  const tech = techniquesOf([c, ...c.refs]);
  if (tech.length > 0) attributes[A.TECHNIQUES] = tech;
  attributes[A.CORR_TYPE] = c.type;
  attributes[A.CORR_COUNT] = f.count;
  attributes[A.CORR_TIMESPAN] = c.timespan;
  attributes[A.CORR_GROUP] = f.groupValues.map(([k, v]) => `${k}=${show(v)}`);
  attributes[A.CORR_RULES] = c.refs.map((r) => r.id);
  attributes[A.CORR_START] = new Date(f.firstMs).toISOString();
  const group = f.groupValues.length === 0 ? '' : ` for ${f.groupValues.map(([k, v]) => `${k}=${show(v)}`).join(' ')}`;
  const what = c.type === 'value_count' ? `${f.count} distinct ${c.field} values` : c.type.startsWith('temporal') ? `${f.count} rules` : `${f.count} events`;
  return {
    timeUnixNano: trigger.timeUnixNano,
    observedTimeUnixNano: trigger.observedTimeUnixNano,
    severityNumber: LEVEL_SEVERITY[c.level],
    severityText: c.level,
    body: `Sigma correlation "${c.title}": ${what} within ${c.timespan}${group}`,
    eventName: CORRELATION_EVENT,
    traceId: '',
    spanId: '',
    attributes,
    resource: trigger.resource,
  };
}
