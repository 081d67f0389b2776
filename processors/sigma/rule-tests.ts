/**
 * Rule test cases (`rules/tests/<slug>.yml`): raw Kata log lines that the named rule must
 * (or must not) fire on. Each case runs through the project's real parser, then through
 * the whole pack in a fresh engine (so correlation windows never leak between cases), and
 * a case passes when the named rule fired on at least one record (match: true) or on none
 * (match: false). For a correlation, "fired" means it emitted its event over the case's
 * sequence of lines. A base rule that only feeds a correlation counts as fired when it
 * matched, though it tags nothing itself.
 *
 *   rule: <uuid>
 *   cases:
 *     - match: true
 *       lines: ['<raw line as Kata writes it>', ...]
 *       provenance: '<repo path / issue, or "built from <source file> format">'
 *       real: true
 *       note: optional
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseText } from '../../receiver/kata/parse-text';
import type { RuleIssue } from './errors';
import { SigmaEngine } from './engine';
import type { Pack } from './pack';
import type { RuleSource } from './pack';
import { A, CORRELATION_EVENT } from './tagging';

export interface RuleTestCase {
  file: string;
  rule: string;
  /** 0-based position in `cases`. */
  index: number;
  match: boolean;
  lines: readonly string[];
  provenance: string;
  real: boolean;
  note?: string;
}

export interface CaseResult {
  test: RuleTestCase;
  fired: boolean;
  passed: boolean;
  records: number;
  /** Other rules that tagged a record of the case or emitted a correlation. */
  others: string[];
}

export interface TestReport {
  results: CaseResult[];
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** tp / (tp + fp); 1 when nothing fired. */
  precision: number;
  /** tp / (tp + fn); 1 when no case expects a match. */
  recall: number;
}

const FILE_KEYS = new Set(['rule', 'cases']);
const CASE_KEYS = new Set(['match', 'lines', 'provenance', 'real', 'note']);
const MAX_LINES = 10_000;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the test documents of `sources` (non-test documents are skipped). */
export function readTestCases(sources: readonly RuleSource[], pack: Pack): { cases: RuleTestCase[]; issues: RuleIssue[] } {
  const ids = new Set<string>([...pack.rules.map((r) => r.id), ...pack.correlations.map((c) => c.id)]);
  const cases: RuleTestCase[] = [];
  const issues: RuleIssue[] = [];
  for (const { file, docs, lines } of sources) {
    for (const [docIndex, doc] of docs.entries()) {
      if (!isMap(doc) || !('cases' in doc)) continue;
      const rule = typeof doc.rule === 'string' ? doc.rule : '';
      const problem = (where: string, message: string): void => {
        const line = lines?.[docIndex]?.(where);
        issues.push({ file, ...(line === undefined ? {} : { line }), rule, where, message });
      };
      for (const k of Object.keys(doc)) if (!FILE_KEYS.has(k)) problem(k, 'unknown key (a test file has rule and cases)');
      if (rule === '') problem('rule', 'must be the id of the rule under test');
      else if (!ids.has(rule)) problem('rule', `no rule of the pack has id ${JSON.stringify(rule)}`);
      if (!Array.isArray(doc.cases) || doc.cases.length === 0) {
        problem('cases', 'must be a non-empty list');
        continue;
      }
      doc.cases.forEach((c: unknown, index: number) => {
        const at = `cases[${index}]`;
        if (!isMap(c)) {
          problem(at, 'must be a map {match, lines, provenance, real}');
          return;
        }
        let ok = true;
        const bad = (where: string, message: string): void => {
          ok = false;
          problem(`${at}.${where}`, message);
        };
        for (const k of Object.keys(c)) if (!CASE_KEYS.has(k)) bad(k, 'unknown key');
        if (typeof c.match !== 'boolean') bad('match', 'must be true or false');
        const lines = c.lines;
        if (!Array.isArray(lines) || lines.length === 0 || !lines.every((l) => typeof l === 'string')) bad('lines', 'must be a non-empty list of strings');
        else if (lines.length > MAX_LINES) bad('lines', `more than ${MAX_LINES} lines`);
        if (typeof c.provenance !== 'string' || c.provenance.trim() === '') bad('provenance', 'must say where the lines come from');
        if (typeof c.real !== 'boolean') bad('real', 'must be true or false');
        if (c.note !== undefined && typeof c.note !== 'string') bad('note', 'must be a string');
        if (!ok || rule === '' || !ids.has(rule)) return;
        const tc: RuleTestCase = {
          file, rule, index, match: c.match as boolean, lines: lines as string[], provenance: c.provenance as string, real: c.real as boolean,
        };
        if (typeof c.note === 'string') tc.note = c.note;
        cases.push(tc);
      });
    }
  }
  return { cases, issues };
}

/** Runs one case; the ids of every rule that fired on it. */
export function firedRules(pack: Pack, lines: readonly string[]): { fired: Set<string>; records: number } {
  const engine = new SigmaEngine(pack);
  const records = parseText(lines.join('\n'), { observedTimeUnixNano: `${REFERENCE_MILLIS}000000`, refMillis: REFERENCE_MILLIS });
  const fired = new Set<string>();
  const out = engine.process(records, (_r, ev) => {
    for (const r of ev.tagged) fired.add(r.id);
    for (const r of ev.base) fired.add(r.id);
  });
  for (const r of out) {
    if (r.eventName !== CORRELATION_EVENT) continue;
    const ids = r.attributes[A.RULE_IDS];
    if (Array.isArray(ids)) for (const id of ids) fired.add(id);
  }
  return { fired, records: records.length };
}

export function runRuleTests(pack: Pack, cases: readonly RuleTestCase[]): TestReport {
  const results: CaseResult[] = [];
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const test of cases) {
    const { fired: ids, records } = firedRules(pack, test.lines);
    const fired = ids.has(test.rule);
    if (test.match) {
      if (fired) tp++;
      else fn++;
    } else if (fired) fp++;
    else tn++;
    results.push({ test, fired, passed: fired === test.match, records, others: [...ids].filter((id) => id !== test.rule).sort() });
  }
  return {
    results, tp, fp, tn, fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
  };
}

/**
 * The pack's fixture expectations (`rules/fixture-expectations.yml`): which records of the
 * parser fixtures (test/fixtures/kata-logs/ beside the pack) are security events and the
 * category they must get. Each fixture file is parsed one `# source:` block at a time,
 * comment lines dropped. A record whose original text contains an expected `line` must be
 * tagged by a rule above informational with that category; every other record is benign
 * and no rule above informational may tag it; every `line` must be found. Tagging is what
 * users see, so a base rule of a correlation without `generate: true` (which tags nothing)
 * does not count. `known_gaps`
 * lists lines the pack cannot flag yet; they count as benign.
 */
export interface FixtureReport {
  files: number;
  records: number;
  expected: number;
  failures: string[];
}

/** Fixed reference clock, so year-less journal dates parse the same on every run. */
export const REFERENCE_MILLIS = Date.UTC(2026, 10, 27);

export function checkFixtureExpectations(pack: Pack, expectations: { files?: unknown }, fixturesDir: string): FixtureReport {
  const report: FixtureReport = { files: 0, records: 0, expected: 0, failures: [] };
  const fail = (m: string): void => {
    report.failures.push(m);
  };
  const files = isMap(expectations.files) ? expectations.files : {};
  const engine = new SigmaEngine(pack);
  const observed = `${REFERENCE_MILLIS}000000`;
  const names = fs.readdirSync(fixturesDir).filter((f) => f.endsWith('.log')).sort();
  for (const f of Object.keys(files)) if (!names.includes(f)) fail(`fixture ${f}: no such file in ${fixturesDir}`);
  for (const f of names) {
    report.files++;
    const wanted = Array.isArray(files[f]) ? (files[f] as unknown[]).filter(isMap) : [];
    report.expected += wanted.length;
    const seen = new Set<number>();
    const text = fs.readFileSync(path.join(fixturesDir, f), 'utf8');
    for (const block of text.split(/\n(?=# source:)/)) {
      const records = parseText(`${block}\n`, { observedTimeUnixNano: observed, original: true, refMillis: REFERENCE_MILLIS });
      for (const r of records) {
        if (r.body.startsWith('#')) continue;
        report.records++;
        const ev = engine.evaluate(r);
        const fired = [...ev.tagged, ...ev.base];
        // An alert is a tag: a base rule of a correlation without generate: true tags nothing.
        const alerting = ev.tagged.filter((x) => x.level !== 'informational');
        const original = String(r.attributes['log.record.original'] ?? r.body);
        const hit = wanted.findIndex((w) => typeof w.line === 'string' && original.includes(w.line));
        const names = (list: typeof fired): string =>
          list.map((x) => `${x.name ?? x.id}/${x.level}${ev.base.includes(x) ? ' (base of a correlation without generate: true, tags nothing)' : ''}`).join(', ') || 'none';
        if (hit >= 0) {
          seen.add(hit);
          const w = wanted[hit]!;
          if (!alerting.some((x) => x.category === w.category)) fail(`fixture ${f}: "${String(w.line)}" expected category ${String(w.category)}, fired: ${names(fired)}`);
        } else if (alerting.length > 0) {
          fail(`fixture ${f}: benign record fired above informational: ${names(alerting)}: ${r.body.slice(0, 160)}`);
        }
      }
    }
    wanted.forEach((w, i) => {
      if (!seen.has(i)) fail(`fixture ${f}: expected line not found in parsed records: ${String(w.line)}`);
    });
  }
  return report;
}
