/**
 * Runs a pack over records: selects the rules a configuration enables, indexes them, tags
 * matching records in place and emits correlation events.
 *
 * Indexing, so a record that cannot match a rule never runs it:
 * - by logsource service: a rule with `service: agent` sits only in the `agent` list (plus
 *   every list gets the rules without a service), picked by the record's `kata.component`;
 * - by literal: each rule carries a Need (prefilter.ts), substrings of which one must occur
 *   in a field for the rule to match; one scan per field and record finds which of all the
 *   rules' literals occur (literal-index.ts), so the check per rule is a table lookup.
 * `indexed: false` runs every rule on every record; tests prove both give the same result.
 *
 * A rule referenced by a correlation whose `generate` is false is a base rule: it is
 * evaluated and feeds the correlation, but tags nothing itself (Sigma's default). A base
 * rule that the configuration disabled still feeds an enabled correlation.
 */
import type { LogRecord } from '../../pdata/log-record';
import type { Fired } from './correlation';
import { CorrelationState } from './correlation';
import type { Getter } from './fields';
import { anyText, EvalCtx, fieldGetter } from './fields';
import { FieldLiterals } from './literal-index';
import { ATTR_KATA_COMPONENT } from '../../semconv/generated/attributes';
import type { CompiledCorrelation, CompiledRule, Pack } from './pack';
import type { Level } from './rule';
import { correlationRecord, levelRank, tagRecord } from './tagging';
import type { TextTest } from './wildcard';
import { compileWildcard, parseWildcard } from './wildcard';

export interface RuleSelection {
  /** When not empty, only rules with one of these ids or tags are enabled. */
  enableIds?: readonly string[];
  enableTags?: readonly string[];
  disableIds?: readonly string[];
  disableTags?: readonly string[];
  /** Rules below this level are disabled. */
  minLevel?: Level;
}

/** Silences `rule` (an id, or '*' for all) on records whose `field` matches one of `values` (Sigma strings). */
export interface ExceptionSpec {
  rule: string;
  field: string;
  values: readonly string[];
}

export interface EngineOptions {
  selection?: RuleSelection;
  exceptions?: readonly ExceptionSpec[];
  /** Groups per correlation rule. */
  maxGroups?: number;
  indexed?: boolean;
}

export const DEFAULT_MAX_GROUPS = 10_000;

/** Problems of options against a pack (unknown rule ids are typos, not no-ops). */
export function checkEngineOptions(pack: Pack, opts: EngineOptions): { path: string; message: string }[] {
  const ids = new Set<string>([...pack.rules.map((r) => r.id), ...pack.correlations.map((c) => c.id)]);
  const out: { path: string; message: string }[] = [];
  const s = opts.selection ?? {};
  for (const [key, list] of [['enable.ids', s.enableIds], ['disable.ids', s.disableIds]] as const) {
    (list ?? []).forEach((id, i) => {
      if (!ids.has(id)) out.push({ path: `${key}[${i}]`, message: `no rule of the pack has id ${JSON.stringify(id)}` });
    });
  }
  (opts.exceptions ?? []).forEach((e, i) => {
    if (e.rule !== '*' && !ids.has(e.rule)) out.push({ path: `exceptions[${i}].rule`, message: `no rule of the pack has id ${JSON.stringify(e.rule)}` });
  });
  return out;
}

interface Exception {
  field: string;
  get: Getter;
  tests: TextTest[];
}

interface PreAtom {
  index: FieldLiterals;
  lit: number;
}

interface Entry {
  rule: CompiledRule;
  visible: boolean;
  atoms: readonly PreAtom[] | null;
  exceptions: readonly Exception[];
  /** Correlations this rule feeds, with its position in their `rules:`. */
  feeds: { state: CorrelationState; index: number }[];
}

export interface Evaluation {
  /** Rules that tag the record, pack order. */
  tagged: CompiledRule[];
  /** Base rules of correlations that matched (they tag nothing themselves). */
  base: CompiledRule[];
  /** Matches an exception silenced. */
  suppressed: CompiledRule[];
}

/** Counters since the last drain, by rule id. */
export interface EngineCounts {
  matched: Map<string, number>;
  suppressed: Map<string, number>;
  correlations: Map<string, number>;
  evicted: Map<string, number>;
}

function emptyCounts(): EngineCounts {
  return { matched: new Map(), suppressed: new Map(), correlations: new Map(), evicted: new Map() };
}

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function enabled(r: { id: string; tags: readonly string[]; level: Level }, s: RuleSelection): boolean {
  const tagIn = (list: readonly string[] | undefined): boolean => list !== undefined && r.tags.some((t) => list.includes(t));
  const enableGiven = (s.enableIds?.length ?? 0) + (s.enableTags?.length ?? 0) > 0;
  if (enableGiven && !(s.enableIds?.includes(r.id) || tagIn(s.enableTags))) return false;
  if (s.disableIds?.includes(r.id) || tagIn(s.disableTags)) return false;
  return s.minLevel === undefined || levelRank(r.level) >= levelRank(s.minLevel);
}

function compileExceptions(specs: readonly ExceptionSpec[], ruleId: string): Exception[] {
  return specs.filter((e) => e.rule === '*' || e.rule === ruleId).map((e) => ({
    field: e.field,
    get: fieldGetter(e.field),
    tests: e.values.map((v) => compileWildcard(parseWildcard(v), true)),
  }));
}

export class SigmaEngine {
  private readonly ctx = new EvalCtx();
  private readonly generic: Entry[];
  private readonly all: Entry[];
  private readonly byService = new Map<string, Entry[]>();
  private readonly states: CorrelationState[] = [];
  private readonly corrExceptions = new Map<CompiledCorrelation, Exception[]>();
  private readonly hits: Entry[] = [];
  /** The literal scanner of each field rules need literals of. */
  private readonly literals = new Map<string, FieldLiterals>();
  private readonly feeds: Entry['feeds'] = [];
  private readonly indexed: boolean;
  /** Rules and correlations in use (after the selection). */
  readonly activeRules: number;
  readonly activeCorrelations: number;
  counts: EngineCounts = emptyCounts();

  constructor(
    readonly pack: Pack,
    opts: EngineOptions = {},
  ) {
    const sel = opts.selection ?? {};
    const exceptions = opts.exceptions ?? [];
    this.indexed = opts.indexed ?? true;
    const maxGroups = Math.max(1, opts.maxGroups ?? DEFAULT_MAX_GROUPS);
    const correlations = pack.correlations.filter((c) => enabled(c, sel));
    const entries = new Map<CompiledRule, Entry>();
    const entryOf = (rule: CompiledRule, visible: boolean): Entry => {
      let e = entries.get(rule);
      if (e === undefined) {
        const need = rule.node.need;
        e = {
          rule, visible,
          atoms: need === null ? null : need.map((a) => ({ index: this.literalsOf(a.field), lit: this.literalsOf(a.field).add(a.lit) })),
          exceptions: compileExceptions(exceptions, rule.id),
          feeds: [],
        };
        entries.set(rule, e);
      }
      e.visible ||= visible;
      return e;
    };
    // Base rules of a non-generating correlation tag nothing, unless another one generates them.
    const base = new Set<CompiledRule>();
    const generated = new Set<CompiledRule>();
    for (const c of pack.correlations) for (const r of c.refs) (c.generate ? generated : base).add(r);
    for (const r of pack.rules) {
      if (enabled(r, sel) && (!base.has(r) || generated.has(r))) entryOf(r, true);
    }
    for (const c of correlations) {
      const state = new CorrelationState(c, maxGroups);
      this.states.push(state);
      this.corrExceptions.set(c, compileExceptions(exceptions, c.id));
      c.refs.forEach((r, index) => entryOf(r, false).feeds.push({ state, index }));
    }
    for (const l of this.literals.values()) l.seal();
    const all = [...entries.values()].sort((a, b) => a.rule.order - b.rule.order);
    this.all = all;
    this.generic = all.filter((e) => e.rule.service === undefined);
    for (const e of all) {
      const s = e.rule.service;
      if (s !== undefined && !this.byService.has(s)) this.byService.set(s, all.filter((x) => x.rule.service === undefined || x.rule.service === s));
    }
    this.activeRules = all.filter((e) => e.visible).length;
    this.activeCorrelations = correlations.length;
  }

  /** Entries that could match `r`, by its component. */
  private candidates(r: LogRecord): readonly Entry[] {
    const comp = r.attributes[ATTR_KATA_COMPONENT];
    if (!this.indexed) return this.all.filter((e) => e.rule.service === undefined || e.rule.service === comp);
    return typeof comp === 'string' ? (this.byService.get(comp) ?? this.generic) : this.generic;
  }

  private literalsOf(field: string): FieldLiterals {
    let l = this.literals.get(field);
    if (l === undefined) {
      l = new FieldLiterals(field, fieldGetter(field));
      this.literals.set(field, l);
    }
    return l;
  }

  private passesNeed(e: Entry): boolean {
    const atoms = e.atoms;
    if (atoms === null) return true;
    for (const a of atoms) if (a.index.has(a.lit, this.ctx)) return true;
    return false;
  }

  private excepted(list: readonly Exception[]): boolean {
    for (const x of list) {
      const v = this.ctx.lower(x.field, x.get);
      if (v !== undefined && x.tests.some((t) => anyText(v, t))) return true;
    }
    return false;
  }

  /** Fills `hits` with the entries whose rule matches `r` (exceptions not applied). */
  private scan(r: LogRecord): Entry[] {
    const hits = this.hits;
    hits.length = 0;
    this.ctx.reset(r);
    for (const l of this.literals.values()) l.next();
    const list = this.candidates(r);
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (this.indexed && !this.passesNeed(e)) continue;
      if (e.rule.node.test(this.ctx)) hits.push(e);
    }
    return hits;
  }

  /** What matches `r`, without tagging or correlating (tests and `rules test`). */
  evaluate(r: LogRecord): Evaluation {
    const out: Evaluation = { tagged: [], base: [], suppressed: [] };
    for (const e of this.scan(r)) {
      if (this.excepted(e.exceptions)) out.suppressed.push(e.rule);
      else (e.visible ? out.tagged : out.base).push(e.rule);
    }
    return out;
  }

  /**
   * Tags matching records in place and returns the batch with correlation events placed
   * after the records that completed them (the input array itself when none fired).
   */
  process(records: LogRecord[], onEvaluated?: (r: LogRecord, ev: Evaluation) => void): LogRecord[] {
    let out: LogRecord[] | undefined;
    const counts = this.counts;
    const feeds = this.feeds;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const hits = this.scan(r);
      let fired: Fired[] | undefined;
      if (hits.length > 0) {
        const tagged: CompiledRule[] = [];
        const ev: Evaluation | undefined = onEvaluated === undefined ? undefined : { tagged, base: [], suppressed: [] };
        for (const e of hits) {
          if (e.exceptions.length > 0 && this.excepted(e.exceptions)) {
            bump(counts.suppressed, e.rule.id);
            ev?.suppressed.push(e.rule);
            continue;
          }
          if (e.visible) {
            tagged.push(e.rule);
            bump(counts.matched, e.rule.id);
          } else {
            ev?.base.push(e.rule);
          }
          for (const f of e.feeds) feeds.push(f);
        }
        if (feeds.length > 0) {
          // Later steps first: one record must not complete two steps of an ordered chain.
          if (feeds.length > 1) feeds.sort((a, b) => b.index - a.index);
          for (const f of feeds) {
            const before = f.state.evicted;
            const got = f.state.observe(f.index, r);
            if (f.state.evicted > before) bump(counts.evicted, f.state.c.id, f.state.evicted - before);
            if (got !== undefined) (fired ??= []).push(got);
          }
          feeds.length = 0;
        }
        if (tagged.length > 0) tagRecord(r, tagged);
        if (ev !== undefined) onEvaluated!(r, ev);
      } else if (onEvaluated !== undefined) {
        onEvaluated(r, { tagged: [], base: [], suppressed: [] });
      }
      if (fired === undefined) {
        out?.push(r);
        continue;
      }
      out ??= records.slice(0, i);
      out.push(r);
      this.ctx.reset(r);
      for (const f of fired) {
        const ex = this.corrExceptions.get(f.correlation)!;
        if (ex.length > 0 && this.excepted(ex)) {
          bump(counts.suppressed, f.correlation.id);
          continue;
        }
        bump(counts.correlations, f.correlation.id);
        out.push(correlationRecord(f, r));
      }
    }
    return out ?? records;
  }

  /** Counters since the last call. */
  drainCounts(): EngineCounts {
    const c = this.counts;
    this.counts = emptyCounts();
    return c;
  }

  /** Live groups over all correlations (a gauge). */
  groupCount(): number {
    let n = 0;
    for (const s of this.states) n += s.size;
    return n;
  }
}
