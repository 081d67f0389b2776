import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { RulesOptions } from '../../cli/rules-command';
import { parseRulesArgs, runRules } from '../../cli/rules-command';
import { UsageError } from '../../cli/usage';
import { jsonLines, ROOT, runCli } from './run-cli';

const PACK = path.join(ROOT, 'test', 'fixtures', 'sigma', 'pack');

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

function rules(opts: Partial<RulesOptions> & { action: RulesOptions['action'] }): { code: number; out: string; err: string } {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = runRules({ paths: [PACK], json: false, ...opts }, { stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

function tmpPack(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigma-cli-'));
  fs.cpSync(PACK, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('kata-otel rules', () => {
  it('parses its arguments', () => {
    assert.deepEqual(parseRulesArgs(['test', '--json', 'a', 'b']), { help: false, options: { action: 'test', paths: ['a', 'b'], json: true } });
    assert.throws(() => parseRulesArgs([]), UsageError);
    assert.throws(() => parseRulesArgs(['check']), /unknown rules action 'check'/);
    assert.throws(() => parseRulesArgs(['list', '--bogus']), UsageError);
  });

  it('lists rules as a table and as JSON', () => {
    const t = rules({ action: 'list' });
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /^ID\s+LEVEL\s+CATEGORY\s+STATUS\s+KIND\s+TITLE/);
    assert.match(t.out, /5b1d8e44-2a0c-4f6b-8e71-9c3d2b1a0f22 {2}critical\s+guest-kernel\s+test\s+rule\s+Guest kernel panic/);
    const j = rules({ action: 'list', json: true });
    const rows = JSON.parse(j.out) as { id: string; kind: string; category: string; tags: string[]; status: string; level: string }[];
    assert.equal(rows.length, 4);
    const corr = rows.find((r) => r.id === '3e8d1c2b-6f5a-4b7c-9d8e-0a1b2c3d4e44')!;
    assert.equal(corr.kind, 'correlation');
    assert.equal(corr.category, 'container-exec');
    assert.deepEqual(Object.keys(rows[0]!).sort(), ['category', 'file', 'id', 'kind', 'level', 'status', 'tags', 'title']);
  });

  it('lints strictly, naming file, rule and key', () => {
    assert.equal(rules({ action: 'lint' }).code, 0);
    const dir = tmpPack({
      'kata/bad_rule.yml': [
        'title: bad', 'id: 22222222-2222-4222-8222-222222222222', 'level: low', 'tags: [kata.category.nope]', 'colour: red',
        'logsource: {product: kata, service: agent}', 'detection: {selection: {kata.sandbox.idd: x}, condition: selection}', '',
      ].join('\n'),
      'tests/bad_case.yml': 'rule: 22222222-2222-4222-8222-222222222222\ncases:\n  - {match: yes, lines: [x], provenance: p, real: true, extra: 1}\n',
    });
    try {
      const r = rules({ action: 'lint', paths: [dir] });
      assert.equal(r.code, 1);
      const file = path.join(dir, 'kata', 'bad_rule.yml');
      assert.ok(r.err.includes(`${file}:5: rule 22222222-2222-4222-8222-222222222222 colour: unknown key`), r.err);
      assert.ok(r.err.includes(`${file}:7: rule 22222222-2222-4222-8222-222222222222 detection.selection.kata.sandbox.idd: field "kata.sandbox.idd"`), r.err);
      assert.ok(r.err.includes('unknown category "kata.category.nope"'), r.err);
      // the field check needs a rule that otherwise loads; the case keys are checked too
      assert.ok(r.err.includes('bad_case.yml:3: rule 22222222-2222-4222-8222-222222222222 cases[0].match: must be true or false'), r.err);
      assert.ok(r.err.includes('cases[0].extra: unknown key'), r.err);
      assert.match(r.out, /issues/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the test cases through the parser and reports precision and recall', () => {
    const r = rules({ action: 'test' });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /6 cases: 6 passed, 0 failed/);
    assert.match(r.out, /precision 1\.000 \(tp 3, fp 0\) {2}recall 1\.000 \(tp 3, fn 0\)/);
  });

  it('reports each failing case and exits 1', () => {
    const dir = tmpPack({
      'tests/wrong.yml': [
        'rule: 5b1d8e44-2a0c-4f6b-8e71-9c3d2b1a0f22', 'cases:',
        "  - {match: true, lines: ['all is well'], provenance: 'made up', real: false, note: 'should fail'}",
        "  - {match: false, lines: ['[    1.0] Kernel panic - not syncing: x'], provenance: 'made up', real: false}", '',
      ].join('\n'),
    });
    try {
      const r = rules({ action: 'test', paths: [dir] });
      assert.equal(r.code, 1);
      assert.match(r.out, /FAIL .*wrong\.yml cases\[0\] rule 5b1d8e44-2a0c-4f6b-8e71-9c3d2b1a0f22 "Guest kernel panic": expected a match, the rule did not fire; 1 records parsed \(note: should fail\)/);
      assert.match(r.out, /FAIL .*wrong\.yml cases\[1\] .*expected no match, the rule fired/);
      assert.match(r.out, /8 cases: 6 passed, 2 failed/);
      assert.match(r.out, /precision 0\.750 \(tp 3, fp 1\) {2}recall 0\.750 \(tp 3, fn 1\)/);
      const j = rules({ action: 'test', paths: [dir], json: true });
      const report = JSON.parse(j.out) as { failed: number; precision: number; failures: { case: number; expected: boolean }[] };
      assert.equal(report.failed, 2);
      assert.equal(report.precision, 0.75);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works from the bin, with usage errors exiting 2', async () => {
    const ok = await runCli(['rules', 'test', PACK]);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await runCli(['rules', 'frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown rules action 'frobnicate'/);
  });
});

describe('kata-otel parse --rules', () => {
  const lines = [0, 1, 2].map((s) => `Nov 20 06:00:0${s} node1 kata[1234]: time="2025-11-20T06:00:0${s}.000000000Z" level=info msg="ExecProcess request" pid=1234 sandbox=abc source=virtcontainers`).join('\n');

  it('tags records, and writes correlation events with --correlations', async () => {
    const r = await runCli(['parse', '--rules', PACK, '-'], `${lines}\n`);
    assert.equal(r.code, 0, r.stderr);
    const records = jsonLines(r.stdout) as { eventName: string; attributes: Record<string, unknown> }[];
    assert.equal(records.length, 3, 'one record per log entry');
    assert.equal(records[0]!.attributes['security_rule.uuid'], '0f6a3c2e-7d1b-4c8e-9a55-3b2f1e0d4c11');
    const c = await runCli(['parse', '--rules', PACK, '--correlations', '-'], `${lines}\n`);
    const all = jsonLines(c.stdout) as { eventName: string; attributes: Record<string, unknown> }[];
    assert.equal(all.length, 4);
    assert.equal(all[3]!.eventName, 'kata.security.correlation');
    assert.equal(all[3]!.attributes['kata.component'], 'runtime');
  });

  it('reports a broken rule path and exits 1', async () => {
    const r = await runCli(['parse', '--rules', '/nonexistent/rules', '-'], `${lines}\n`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/nonexistent\/rules: cannot read: ENOENT/);
  });

  it('--no-rules leaves the bundled pack out', async () => {
    const r = await runCli(['parse', '--no-rules', '-'], `${lines}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(jsonLines(r.stdout).length, 3);
  });
});

describe('kata-otel rules test: pack roots and fixture expectations', () => {
  it('takes a pack root as its kata/, tests/ and fixture expectations, ignoring tool files', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sigma-root-'));
    try {
      const pack = path.join(root, 'rules');
      fs.cpSync(PACK, pack, { recursive: true });
      fs.mkdirSync(path.join(pack, 'tools'));
      fs.writeFileSync(path.join(pack, 'tools', 'pipeline.yml'), 'name: not a rule\npriority: 10\n');
      fs.mkdirSync(path.join(root, 'test', 'fixtures', 'kata-logs'), { recursive: true });
      fs.writeFileSync(path.join(root, 'test', 'fixtures', 'kata-logs', 'a.log'), [
        '# source: built for this test',
        '[    2.345678] Kernel panic - not syncing: VFS: Unable to mount root fs',
        '[    2.345679] EXT4-fs (vda1): mounted filesystem',
        '# source: another block',
        'Nov 20 06:00:01 node1 kata[1234]: time="2025-11-20T06:00:01.000000000Z" level=info msg="debug console enabled"',
        '',
      ].join('\n'));
      fs.writeFileSync(path.join(pack, 'fixture-expectations.yml'), [
        'files:', '    a.log:', "        - line: 'Kernel panic - not syncing'", '          category: guest-kernel', '          why: test', '',
      ].join('\n'));
      const r = rules({ action: 'test', paths: [pack] });
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, /6 cases: 6 passed, 0 failed/);
      assert.match(r.out, /FAIL fixture a\.log: benign record fired above informational: debug_console_enabled\/high: debug console enabled/);
      assert.match(r.out, /fixture expectations .*: 1 files, 3 records, 1 expected events, 1 failures/);
      assert.equal(rules({ action: 'lint', paths: [pack] }).code, 0);
      fs.appendFileSync(path.join(pack, 'fixture-expectations.yml'), "        - line: 'debug console enabled'\n          category: debug-access\n          why: test\n");
      const ok = rules({ action: 'test', paths: [pack] });
      assert.equal(ok.code, 0, ok.out + ok.err);
      fs.appendFileSync(path.join(pack, 'fixture-expectations.yml'), "        - line: 'never printed'\n          category: policy\n          why: test\n");
      assert.match(rules({ action: 'test', paths: [pack] }).out, /FAIL fixture a\.log: expected line not found in parsed records: never printed/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('kata-otel rules: base rules of correlations', () => {
  it('warns when an alerting rule tags nothing because its correlation does not generate it', () => {
    const dir = tmpPack({});
    try {
      const corr = path.join(dir, 'kata', 'correlation', 'exec_burst.yml');
      fs.writeFileSync(corr, fs.readFileSync(corr, 'utf8').replace('    generate: true\n', ''));
      const r = rules({ action: 'lint', paths: [dir] });
      assert.equal(r.code, 0, 'a warning, not an issue');
      assert.match(r.err, /warning: .*runtime_exec_process\.yml: rule 0f6a3c2e-7d1b-4c8e-9a55-3b2f1e0d4c11 \(medium\) tags nothing on its own: it is referenced by 3e8d1c2b-6f5a-4b7c-9d8e-0a1b2c3d4e44 without generate: true/);
      const list = JSON.parse(rules({ action: 'list', paths: [dir], json: true }).out) as { id: string; kind: string }[];
      assert.equal(list.find((x) => x.id === '0f6a3c2e-7d1b-4c8e-9a55-3b2f1e0d4c11')!.kind, 'base');
      // Its test cases still run: a base rule fires when it matches.
      assert.equal(rules({ action: 'test', paths: [dir] }).code, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
