// Layout checks of the Kata detection rule pack (rules/). The Sigma semantics are checked by
// `sigma check` (rules/tools/sigma-interop.sh) and the test cases by `kata-otel rules test`,
// which the last test here runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RULES = path.join(ROOT, 'rules', 'kata');
const TESTS = path.join(ROOT, 'rules', 'tests');

export const CATEGORIES = [
  'container-exec', 'policy', 'debug-access', 'vm-integrity', 'attestation', 'availability',
  'guest-kernel', 'host-exposure', 'config-weakening', 'guest-tampering', 'lifecycle',
];
const COMPONENTS = [
  'runtime', 'runtime-rs', 'agent', 'hypervisor', 'virtiofsd', 'guest-kernel', 'guest',
  'container-manager', 'kata-monitor', 'legacy-proxy', 'legacy-shim',
];
const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];
const STATUSES = ['experimental', 'test', 'stable'];
// Offline stand-in for pySigma's attacktag validator (which downloads MITRE data): the ATT&CK
// tactics of the Sigma tag appendix and the Enterprise techniques this pack uses, checked by hand
// against attack.mitre.org. Add a technique here when a rule needs a new one.
const ATTACK_TACTICS = [
  'initial-access', 'execution', 'persistence', 'privilege-escalation', 'defense-evasion', 'credential-access',
  'discovery', 'lateral-movement', 'collection', 'exfiltration', 'command-and-control', 'impact',
];
const ATTACK_TECHNIQUES = [
  't1059.004', // Command and Scripting Interpreter: Unix Shell
  't1068', // Exploitation for Privilege Escalation
  't1070', // Indicator Removal
  't1078', // Valid Accounts
  't1105', // Ingress Tool Transfer
  't1499', // Endpoint Denial of Service
  't1499.004', // Endpoint DoS: Application or System Exploitation
  't1525', // Implant Internal Image
  't1547.006', // Boot or Logon Autostart Execution: Kernel Modules and Extensions
  't1552', // Unsecured Credentials
  't1557.002', // Adversary-in-the-Middle: ARP Cache Poisoning
  't1562', // Impair Defenses
  't1562.001', // Impair Defenses: Disable or Modify Tools
  't1562.004', // Impair Defenses: Disable or Modify System Firewall
  't1562.006', // Impair Defenses: Indicator Blocking
  't1565.001', // Data Manipulation: Stored Data Manipulation
  't1609', // Container Administration Command
  't1610', // Deploy Container
  't1611', // Escape to Host
  't1613', // Container and Resource Discovery
];
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DATE = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;

interface Loaded { file: string; slug: string; doc: Record<string, unknown> }

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.yml') ? [path.join(dir, d.name)] : []);
}
function load(file: string): Loaded {
  // Sigma dates are plain YYYY-MM-DD strings; keep them as text.
  return { file, slug: path.basename(file, '.yml'), doc: parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> };
}
function detectionValues(node: unknown, out: Array<{ key: string; value: unknown }>, key = ''): void {
  if (Array.isArray(node)) node.forEach((v) => detectionValues(v, out, key));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) detectionValues(v, out, k);
  } else out.push({ key, value: node });
}

describe('rules/: the Kata detection rule pack', () => {
  const rules = walk(RULES).map(load);
  const base = rules.filter((r) => !('correlation' in r.doc));
  const corr = rules.filter((r) => 'correlation' in r.doc);

  it('has at least 40 base rules and the correlation rules in rules/kata/correlation/', () => {
    assert.ok(base.length >= 40, `only ${base.length} base rules`);
    for (const r of corr) assert.equal(path.basename(path.dirname(r.file)), 'correlation', `${r.slug}: correlation rule outside correlation/`);
    for (const r of base) assert.equal(path.dirname(r.file), RULES, `${r.slug}: base rule in a subdirectory`);
  });

  it('gives every rule a unique UUID v4, a name equal to its file slug and a Sigma-style file name', () => {
    const ids = new Set<string>();
    for (const r of rules) {
      const id = String(r.doc.id);
      assert.match(id, UUID4, `${r.slug}: id is not a UUID v4`);
      assert.ok(!ids.has(id), `${r.slug}: duplicate id ${id}`);
      ids.add(id);
      assert.equal(r.doc.name, r.slug, `${r.slug}: name must equal the file slug`);
      assert.match(path.basename(r.file), /^[a-z0-9_]{6,66}\.yml$/, `${r.slug}: file name must be 10-70 chars of [a-z0-9_] with .yml`);
    }
  });

  it('fills the metadata fields', () => {
    for (const r of rules) {
      const d = r.doc;
      assert.ok(typeof d.title === 'string' && d.title.length > 0 && d.title.length <= 256, `${r.slug}: title`);
      assert.ok(STATUSES.includes(String(d.status)), `${r.slug}: status ${String(d.status)}`);
      assert.ok(typeof d.description === 'string' && d.description.length > 40, `${r.slug}: description`);
      assert.ok(Array.isArray(d.references) && d.references.length > 0, `${r.slug}: references`);
      for (const ref of d.references as unknown[]) assert.match(String(ref), /^https:\/\//, `${r.slug}: reference ${String(ref)}`);
      assert.equal(d.author, 'kata-otel', `${r.slug}: author`);
      assert.match(String(d.date), DATE, `${r.slug}: date`);
      assert.match(String(d.modified), DATE, `${r.slug}: modified`);
      assert.ok(LEVELS.includes(String(d.level)), `${r.slug}: level ${String(d.level)}`);
      assert.ok(Array.isArray(d.falsepositives) && d.falsepositives.length > 0, `${r.slug}: falsepositives`);
    }
  });

  it('tags every rule with exactly one kata.category and only known ATT&CK tags', () => {
    for (const r of rules) {
      const tags = r.doc.tags as string[];
      assert.ok(Array.isArray(tags), `${r.slug}: tags`);
      assert.equal(new Set(tags).size, tags.length, `${r.slug}: duplicate tags`);
      const cats = tags.filter((t) => t.startsWith('kata.'));
      assert.equal(cats.length, 1, `${r.slug}: expected exactly one kata.* tag, got ${cats.join(', ')}`);
      const cat = cats[0]!.replace(/^kata\.category\./, '');
      assert.ok(cats[0]!.startsWith('kata.category.') && CATEGORIES.includes(cat), `${r.slug}: unknown category tag ${cats[0]}`);
      for (const t of tags.filter((x) => !x.startsWith('kata.'))) {
        const m = /^attack\.(.+)$/.exec(t);
        assert.ok(m && (ATTACK_TACTICS.includes(m[1]!) || ATTACK_TECHNIQUES.includes(m[1]!)), `${r.slug}: tag ${t} is neither an ATT&CK tactic nor a listed technique`);
      }
      if (cat === 'lifecycle') assert.equal(r.doc.level, 'informational', `${r.slug}: lifecycle trail rules stay informational`);
    }
  });

  it('uses product kata, a known component as service, and linear-time regexes', () => {
    for (const r of base) {
      const ls = r.doc.logsource as Record<string, unknown>;
      assert.equal(ls.product, 'kata', `${r.slug}: logsource.product`);
      if (ls.service !== undefined) assert.ok(COMPONENTS.includes(String(ls.service)), `${r.slug}: logsource.service ${String(ls.service)}`);
      const values: Array<{ key: string; value: unknown }> = [];
      detectionValues(r.doc.detection, values);
      for (const v of values.filter((x) => x.key.split('|').includes('re'))) {
        const re = String(v.value);
        assert.doesNotThrow(() => new RegExp(re), `${r.slug}: regex ${re}`);
        assert.ok(!/\(\?[=!<]|\\[1-9]/.test(re), `${r.slug}: lookaround or backreference in ${re} (must be RE2-compatible)`);
      }
    }
  });

  it('references only existing rule names from correlation rules', () => {
    const names = new Set(base.map((r) => String(r.doc.name)));
    for (const r of corr) {
      const c = r.doc.correlation as Record<string, unknown>;
      assert.ok(['event_count', 'value_count', 'temporal', 'temporal_ordered'].includes(String(c.type)), `${r.slug}: type`);
      assert.match(String(c.timespan), /^\d+[smhd]$/, `${r.slug}: timespan`);
      assert.ok(Array.isArray(c['group-by']) && (c['group-by'] as unknown[]).length > 0, `${r.slug}: group-by`);
      for (const ref of c.rules as string[]) assert.ok(names.has(ref), `${r.slug}: unknown rule ${ref}`);
    }
  });

  it('has one test file per rule with positive and negative cases and provenance', () => {
    const slugs = new Set(rules.map((r) => r.slug));
    for (const f of readdirSync(TESTS)) assert.ok(slugs.has(path.basename(f, '.yml')), `rules/tests/${f} has no rule`);
    for (const r of rules) {
      const tf = path.join(TESTS, `${r.slug}.yml`);
      assert.ok(existsSync(tf), `${r.slug}: no rules/tests/${r.slug}.yml`);
      const t = parseYaml(readFileSync(tf, 'utf8')) as { rule: string; cases: Array<Record<string, unknown>> };
      assert.equal(t.rule, r.doc.id, `${r.slug}: test file names another rule`);
      assert.ok(t.cases.some((c) => c.match === true), `${r.slug}: no positive case`);
      assert.ok(t.cases.some((c) => c.match === false), `${r.slug}: no negative case`);
      for (const c of t.cases) {
        assert.ok(Array.isArray(c.lines) && c.lines.length > 0, `${r.slug}: case without lines`);
        assert.ok(typeof c.provenance === 'string' && c.provenance.length > 0, `${r.slug}: case without provenance`);
        assert.equal(typeof c.real, 'boolean', `${r.slug}: case without real: true|false`);
      }
    }
  });

  it('copies every real: true line verbatim from the fixtures or the research catalog', function () {
    // shared/ sits beside the checkout (CI) or beside the worktrees' parent (developer worktrees)
    const catalog = [path.join(ROOT, '..', 'shared'), path.join(ROOT, '..', '..', 'shared')]
      .map((d) => path.join(d, 'research', 'kata-security-events.md')).find((f) => existsSync(f));
    if (catalog === undefined) this.skip();
    const fixDir = path.join(ROOT, 'test', 'fixtures', 'kata-logs');
    const corpus = readFileSync(catalog, 'utf8') + readdirSync(fixDir).map((f) => readFileSync(path.join(fixDir, f), 'utf8')).join('\n');
    for (const f of readdirSync(TESTS)) {
      const t = parseYaml(readFileSync(path.join(TESTS, f), 'utf8')) as { cases: Array<{ real: boolean; lines: string[] }> };
      for (const c of t.cases.filter((x) => x.real)) {
        for (const l of c.lines) assert.ok(corpus.includes(l), `rules/tests/${f}: real line not found verbatim: ${l.slice(0, 120)}`);
      }
    }
  });

  it('names only existing fixture files and categories in fixture-expectations.yml', () => {
    const exp = parseYaml(readFileSync(path.join(ROOT, 'rules', 'fixture-expectations.yml'), 'utf8')) as {
      files: Record<string, Array<{ line: string; category: string }>>;
    };
    for (const [file, entries] of Object.entries(exp.files)) {
      assert.ok(existsSync(path.join(ROOT, 'test', 'fixtures', 'kata-logs', file)), `fixture ${file} missing`);
      for (const e of entries) assert.ok(CATEGORIES.includes(e.category), `${file}: category ${e.category}`);
    }
  });

  it('passes every test case with precision and recall 1, and the fixture expectations (kata-otel rules test)', () => {
    // execFileSync throws on a non-zero exit, which `rules test` gives on any failure.
    const out = execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'rules', 'test'], { cwd: ROOT, encoding: 'utf8' });
    assert.match(out, /^\d+ cases: (\d+) passed, 0 failed$/m);
    assert.match(out, /^precision 1\.000 .* recall 1\.000 /m);
    assert.match(out, /expected events, 0 failures$/m);
  });
});
