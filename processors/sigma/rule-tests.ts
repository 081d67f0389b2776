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
  for (const { file, docs } of sources) {
    for (const doc of docs) {
      if (!isMap(doc) || !('cases' in doc)) continue;
      const rule = typeof doc.rule === 'string' ? doc.rule : '';
      const problem = (where: string, message: string): void => {
        issues.push({ file, rule, where, message });
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
  const records = parseText(lines.join('\n'));
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
