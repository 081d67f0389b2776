/**
 * `kata-otel rules list|lint|test [PATHS]`: the rule pack's own tooling. PATHS are rule
 * files or directories (searched recursively); the default is the bundled pack, `rules/`.
 * A pack root (a directory with `kata/`) means its `kata/` rules, `tests/` and
 * `fixture-expectations.yml`. Test files (`rule:` + `cases:`) found under PATHS are read by
 * `test` and checked by `lint`; `test` given only test files runs them against the bundled
 * pack.
 */
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { RuleIssue } from '../processors/sigma/errors';
import { formatIssue } from '../processors/sigma/errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundledPackRoot, bundledRulesDir, collectYamlFiles, expandPackRoots, readYamlDocs } from '../processors/sigma/files';
import type { Pack, RuleSource } from '../processors/sigma/pack';
import { buildPack, loadPack } from '../processors/sigma/pack';
import type { FixtureReport, TestReport } from '../processors/sigma/rule-tests';
import { checkFixtureExpectations, readTestCases, runRuleTests } from '../processors/sigma/rule-tests';
import { UsageError } from './usage';

export const RULES_ACTIONS = ['list', 'lint', 'test'] as const;
export type RulesAction = (typeof RULES_ACTIONS)[number];

export interface RulesOptions {
  action: RulesAction;
  paths: string[];
  json: boolean;
}

export interface RulesIo {
  stdout: Writable;
  stderr: Writable;
}

export function parseRulesArgs(args: string[]): { help: true } | { help: false; options: RulesOptions } {
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help === true) return { help: true };
  const [action, ...paths] = parsed.positionals;
  if (action === undefined) throw new UsageError(`rules needs an action: ${RULES_ACTIONS.join(', ')}`);
  if (!(RULES_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown rules action '${action}': use ${RULES_ACTIONS.join(', ')}`);
  return { help: false, options: { action: action as RulesAction, paths, json: parsed.values.json === true } };
}

function readSources(paths: readonly string[]): { sources: RuleSource[]; issues: RuleIssue[]; expectations: string[] } {
  const problems: { file: string; message: string }[] = [];
  const expanded = expandPackRoots(paths);
  const files = collectYamlFiles(expanded.paths, problems);
  return {
    sources: files.map((file) => ({ file, ...readYamlDocs(file) })),
    issues: problems.map((p) => ({ file: p.file, rule: '', where: '', message: p.message })),
    expectations: expanded.expectations,
  };
}

/**
 * Runs the fixture expectations of a pack root against the parser fixtures of the checkout
 * it sits in (`test/fixtures/kata-logs/` beside `rules/`); an installed package has no
 * fixtures, and then the check is skipped with a note.
 */
function fixtureChecks(pack: Pack, expectations: readonly string[], issues: RuleIssue[]): { file: string; report?: FixtureReport; skipped?: string }[] {
  return expectations.map((file) => {
    const fixtures = path.join(path.dirname(file), '..', 'test', 'fixtures', 'kata-logs');
    if (!fs.existsSync(fixtures)) return { file, skipped: `no parser fixtures at ${fixtures}` };
    const { docs, errors } = readYamlDocs(file);
    for (const e of errors) issues.push({ file, rule: '', where: '', message: e });
    const doc = docs[0];
    if (typeof doc !== 'object' || doc === null) return { file, skipped: 'empty or unreadable' };
    return { file, report: checkFixtureExpectations(pack, doc as { files?: unknown }, fixtures) };
  });
}

function writeIssues(io: RulesIo, issues: readonly RuleIssue[]): void {
  for (const i of issues) io.stderr.write(`${formatIssue(i)}\n`);
}

function kindOf(pack: Pack, id: string): string {
  if (pack.correlations.some((c) => c.id === id)) return 'correlation';
  const base = pack.correlations.some((c) => !c.generate && c.refs.some((r) => r.id === id));
  return base ? 'base' : 'rule';
}

/**
 * Rules above informational that tag nothing because every correlation using them lacks
 * `generate: true` (Sigma's default): legal, but rarely what an alerting rule means.
 */
function silencedAlerts(pack: Pack): string[] {
  const out: string[] = [];
  for (const r of pack.rules) {
    if (r.level === 'informational') continue;
    const users = pack.correlations.filter((c) => c.refs.includes(r));
    if (users.length === 0 || users.some((c) => c.generate)) continue;
    out.push(`${r.file}: rule ${r.id} (${r.level}) tags nothing on its own: it is referenced by ${users.map((c) => c.name ?? c.id).join(', ')} without generate: true (set generate: true there for it to alert by itself)`);
  }
  return out;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function list(opts: RulesOptions, io: RulesIo): number {
  const { pack, issues } = loadPack(opts.paths, { lenientPlaceholders: true });
  const rows = [...pack.rules, ...pack.correlations].map((r) => ({
    id: r.id, title: r.title, level: r.level, category: r.category, status: r.status, tags: [...r.tags], kind: kindOf(pack, r.id),
    ...('service' in r && r.service !== undefined ? { service: r.service } : {}), file: r.file,
  }));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const w = (k: 'level' | 'category' | 'status' | 'kind'): number => Math.max(k.length, ...rows.map((r) => r[k].length));
    io.stdout.write(`${pad('ID', 36)}  ${pad('LEVEL', w('level'))}  ${pad('CATEGORY', w('category'))}  ${pad('STATUS', w('status'))}  ${pad('KIND', w('kind'))}  TITLE [TAGS]\n`);
    for (const r of rows) {
      io.stdout.write(`${pad(r.id, 36)}  ${pad(r.level, w('level'))}  ${pad(r.category, w('category'))}  ${pad(r.status, w('status'))}  ${pad(r.kind, w('kind'))}  ${r.title} [${r.tags.join(' ')}]\n`);
    }
    io.stderr.write(`${pack.rules.length} rules, ${pack.correlations.length} correlations in ${pack.files.length} files\n`);
  }
  writeIssues(io, issues);
  return issues.length > 0 ? 1 : 0;
}

function lint(opts: RulesOptions, io: RulesIo): number {
  const { sources, issues } = readSources(opts.paths);
  const built = buildPack(sources, { lenientPlaceholders: true, checkFields: true });
  issues.push(...built.issues);
  const tests = readTestCases(sources, built.pack);
  issues.push(...tests.issues);
  writeIssues(io, issues);
  // A rule without cases is allowed (user packs may have none) but worth knowing about.
  const tested = new Set(tests.cases.map((c) => c.rule));
  const untested = [...built.pack.rules, ...built.pack.correlations].filter((r) => !tested.has(r.id));
  const testFiles = sources.filter((s) => s.docs.some((d) => typeof d === 'object' && d !== null && 'cases' in d)).length;
  if (testFiles > 0) for (const r of untested) io.stderr.write(`warning: ${r.file}: rule ${r.id}: no test cases\n`);
  for (const w of silencedAlerts(built.pack)) io.stderr.write(`warning: ${w}\n`);
  const summary = `${built.pack.rules.length} rules, ${built.pack.correlations.length} correlations, ${tests.cases.length} test cases: ${issues.length === 0 ? 'ok' : `${issues.length} issue${issues.length === 1 ? '' : 's'}`}`;
  if (opts.json) io.stdout.write(`${JSON.stringify({ issues, untested: untested.map((r) => r.id) }, null, 2)}\n`);
  else io.stdout.write(`${summary}\n`);
  return issues.length > 0 ? 1 : 0;
}

function ratio(x: number): string {
  return x.toFixed(3);
}

function test(opts: RulesOptions, io: RulesIo, givenPaths: boolean): number {
  const { sources, issues, expectations } = readSources(opts.paths);
  let built = buildPack(sources, { lenientPlaceholders: true });
  if (givenPaths && built.pack.rules.length + built.pack.correlations.length === 0) {
    built = loadPack([bundledRulesDir()], { lenientPlaceholders: true });
  }
  issues.push(...built.issues);
  const { cases, issues: caseIssues } = readTestCases(sources, built.pack);
  issues.push(...caseIssues);
  const report: TestReport = runRuleTests(built.pack, cases);
  const fixtures = fixtureChecks(built.pack, expectations, issues);
  const fixtureFailures = fixtures.flatMap((f) => f.report?.failures ?? []);
  writeIssues(io, issues);
  const title = new Map([...built.pack.rules, ...built.pack.correlations].map((r) => [r.id, r.title]));
  const failed = report.results.filter((r) => !r.passed);
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({
      cases: report.results.length, passed: report.results.length - failed.length, failed: failed.length,
      tp: report.tp, fp: report.fp, tn: report.tn, fn: report.fn, precision: report.precision, recall: report.recall,
      failures: failed.map((f) => ({
        file: f.test.file, case: f.test.index, rule: f.test.rule, expected: f.test.match, fired: f.fired, records: f.records, others: f.others,
      })),
      issues,
      fixtures: fixtures.map((f) => ({ file: f.file, skipped: f.skipped, ...f.report })),
    }, null, 2)}\n`);
  } else {
    for (const f of failed) {
      const want = f.test.match ? 'expected a match, the rule did not fire' : 'expected no match, the rule fired';
      const note = f.test.note === undefined ? '' : ` (note: ${f.test.note})`;
      io.stdout.write(`FAIL ${f.test.file} cases[${f.test.index}] rule ${f.test.rule} "${title.get(f.test.rule) ?? ''}": ${want}; ${f.records} records parsed${f.others.length > 0 ? `; also fired: ${f.others.join(', ')}` : ''}${note}\n`);
    }
    io.stdout.write(`${report.results.length} cases: ${report.results.length - failed.length} passed, ${failed.length} failed\n`);
    io.stdout.write(`precision ${ratio(report.precision)} (tp ${report.tp}, fp ${report.fp})  recall ${ratio(report.recall)} (tp ${report.tp}, fn ${report.fn})\n`);
    for (const f of fixtures) {
      if (f.report === undefined) {
        io.stdout.write(`fixture expectations ${f.file}: skipped (${f.skipped})\n`);
        continue;
      }
      for (const m of f.report.failures) io.stdout.write(`FAIL ${m}\n`);
      io.stdout.write(`fixture expectations ${f.file}: ${f.report.files} files, ${f.report.records} records, ${f.report.expected} expected events, ${f.report.failures.length} failures\n`);
    }
  }
  return issues.length > 0 || failed.length > 0 || fixtureFailures.length > 0 ? 1 : 0;
}

/** Runs the command; resolves to the exit code (0 ok, 1 issues or failures). */
export function runRules(opts: RulesOptions, io: RulesIo): number {
  const given = opts.paths.length > 0;
  const o = given ? opts : { ...opts, paths: [bundledPackRoot()] };
  switch (o.action) {
    case 'list':
      return list(o, io);
    case 'lint':
      return lint(o, io);
    case 'test':
      return test(o, io, given);
  }
}
