import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuleLoadError } from '../../../processors/sigma/errors';
import { loadPack, loadPackOrThrow } from '../../../processors/sigma/pack';
import { correlation, issuesOf, rule } from './helpers';

const sel = (item: Record<string, unknown>): unknown => ({ selection: item, condition: 'selection' });

/** The single issue loading `doc` gives, which must mention every one of `parts`. */
function rejects(doc: Record<string, unknown>, ...parts: (string | RegExp)[]): void {
  const issues = issuesOf([doc]);
  assert.ok(issues.length >= 1, `no issue for ${JSON.stringify(doc)}`);
  const text = issues.join('\n');
  assert.ok(text.includes(`mem.yml: rule ${String(doc.id ?? doc.title)}`), `names file and rule: ${text}`);
  for (const p of parts) {
    if (typeof p === 'string') assert.ok(text.includes(p), `expected ${JSON.stringify(p)} in ${text}`);
    else assert.match(text, p);
  }
}

describe('sigma rule load errors', () => {
  it('rejects unsupported and unknown modifiers by name', () => {
    for (const m of ['utf16le', 'wide', 'neq', 'hour']) rejects(rule(sel({ [`body|${m}`]: 'x' })), `detection.selection.body|${m}`, `'${m}' is not supported`);
    rejects(rule(sel({ 'body|contians': 'x' })), "unknown modifier 'contians'");
  });

  it('rejects modifier combinations that mean nothing', () => {
    rejects(rule(sel({ 'body|contains|startswith': 'x' })), 'cannot be combined');
    rejects(rule(sel({ 'body|re|contains': 'x' })), 'cannot be combined');
    rejects(rule(sel({ 'body|i': 'x' })), "sub-modifier of 're'");
    rejects(rule(sel({ 'body|contains|base64': 'x' })), 'must come before');
    rejects(rule(sel({ 'body|cidr|gt': 'x' })), 'cannot be combined');
    rejects(rule(sel({ 'body|exists': 'yes' })), "'exists' takes true or false");
    rejects(rule(sel({ 'process.pid|gt': 'many' })), 'needs a number');
    rejects(rule(sel({ 'body|contains|all': 'x' })), "'all' needs a list");
    rejects(rule(sel({ 'body|base64': 'a*' })), 'cannot encode a value with wildcards');
    rejects(rule(sel({ 'network.peer.address|cidr': '10.0.0.0/33' })), 'not a CIDR block');
    rejects(rule(sel({ body: [null, 'x'] })), 'null cannot share a list');
    rejects(rule(sel({ body: { nested: 1 } })), 'not a string, number or boolean');
  });

  it('rejects unknown placeholders unless told to leave them', () => {
    const doc = rule(sel({ 'k8s.namespace.name|expand': '%admins%' }));
    rejects(doc, 'placeholder %admins% has no values', 'processors.sigma.expand.admins');
    assert.deepEqual(issuesOf([doc], { lenientPlaceholders: true }), []);
  });

  it('rejects bad conditions and unknown identifiers', () => {
    rejects(rule({ selection: { body: 'x' }, condition: 'selection and other' }), "'other', which is not a search identifier");
    rejects(rule({ selection: { body: 'x' }, condition: '1 of filter*' }), 'matches no search identifier');
    rejects(rule({ selection: { body: 'x' }, condition: 'selection |' }), 'unexpected character');
    rejects(rule({ selection: { body: 'x' } }), 'detection.condition');
    rejects(rule({ selection: { body: 'x' }, condition: 'selection | count() > 5' }), 'condition');
  });

  it('rejects unknown top-level keys, naming them', () => {
    rejects(rule(sel({ body: 'x' }), { falsepositive: ['typo'] }), 'falsepositive: unknown key');
    rejects(rule(sel({ body: 'x' }), { logsource: { product: 'kata', servce: 'agent' } }), 'logsource.servce: unknown key');
  });

  it('checks the kata conventions: logsource, category tag, level, id', () => {
    rejects(rule(sel({ body: 'x' }), { logsource: { product: 'linux' } }), 'logsource.product: must be kata');
    rejects(rule(sel({ body: 'x' }), { logsource: { product: 'kata', service: 'sshd' } }), 'must be a kata.component value');
    rejects(rule(sel({ body: 'x' }), { logsource: { product: 'kata', category: 'process_creation' } }), 'have no category');
    rejects(rule(sel({ body: 'x' }), { tags: ['attack.t1609'] }), 'needs exactly one kata.category.<category> tag');
    rejects(rule(sel({ body: 'x' }), { tags: ['kata.category.policy', 'kata.category.lifecycle'] }), 'has 2');
    rejects(rule(sel({ body: 'x' }), { tags: ['kata.category.escape'] }), 'unknown category "kata.category.escape"');
    rejects(rule(sel({ body: 'x' }), { tags: ['kata.category.policy', 'Attack.T1'] }), 'is not a Sigma tag');
    rejects(rule(sel({ body: 'x' }), { level: 'severe' }), 'level: must be one of');
    rejects(rule(sel({ body: 'x' }), { level: undefined }), 'level: is required');
    rejects(rule(sel({ body: 'x' }), { id: 'not-a-uuid' }), 'is not a UUID');
    rejects(rule(sel({ body: 'x' }), { date: '2025-13-01' }), 'is not a date');
    rejects(rule(sel({ body: 'x' }), { status: 'beta' }), 'status: must be one of');
  });

  it('rejects duplicate ids', () => {
    const a = rule(sel({ body: 'x' }));
    const issues = issuesOf([a, { ...a }]);
    assert.ok(issues.some((i) => i.includes('is also the id of a rule in mem.yml')), issues.join('\n'));
  });

  it('rejects unsupported correlation constructs', () => {
    const base = rule(sel({ body: 'x' }), { name: 'base_rule' });
    const bad = (c: Record<string, unknown>, ...parts: string[]): void => {
      const doc = correlation({ type: 'event_count', rules: ['base_rule'], 'group-by': ['kata.sandbox.id'], timespan: '5m', condition: { gte: 2 }, ...c });
      const text = issuesOf([base, doc]).join('\n');
      assert.ok(text.includes(`rule ${String(doc.id)}`), text);
      for (const p of parts) assert.ok(text.includes(p), `expected ${p} in ${text}`);
    };
    bad({ type: 'value_sum' }, 'value_sum is not supported');
    bad({ type: 'nearby' }, 'correlation.type: must be one of');
    bad({ rules: ['missing_rule'] }, 'names no detection rule');
    bad({ timespan: '5 minutes' }, 'is not a timespan');
    bad({ condition: { lt: 5 } }, 'needs a lower bound');
    bad({ condition: { gte: 20_000 } }, 'counts above 10000 are not supported');
    bad({ aliases: { x: { base_rule: 'a' } } }, 'aliases are not supported');
    bad({ type: 'value_count' }, 'value_count needs the field');
    bad({ type: 'temporal', condition: undefined }, 'temporal needs at least two rules');
    bad({ window: '5m' }, 'correlation.window: unknown key');
  });

  it('rejects correlations of correlations', () => {
    const base = rule(sel({ body: 'x' }), { name: 'base_rule' });
    const inner = correlation({ type: 'event_count', rules: ['base_rule'], 'group-by': [], timespan: '5m', condition: { gte: 2 } }, { name: 'inner' });
    const outer = correlation({ type: 'event_count', rules: ['inner'], 'group-by': [], timespan: '5m', condition: { gte: 2 } });
    assert.ok(issuesOf([base, inner, outer]).some((i) => i.includes('correlations of correlations are not supported')));
  });

  it('reports broken files with their path and keeps loading the others', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigma-load-'));
    try {
      fs.writeFileSync(path.join(dir, 'a_broken.yml'), 'title: [unclosed\n');
      fs.writeFileSync(path.join(dir, 'b_list.yml'), '- just\n- a list\n');
      fs.writeFileSync(path.join(dir, 'c_good.yml'), [
        'title: good', 'id: 11111111-2222-4333-8444-555555555555', 'level: low', 'tags: [kata.category.lifecycle]',
        'logsource: {product: kata}', 'detection: {selection: {body: x}, condition: selection}', '',
      ].join('\n'));
      const { pack, issues } = loadPack([dir, path.join(dir, 'missing.yml')]);
      assert.equal(pack.rules.length, 1);
      const text = issues.map((i) => `${i.file}: ${i.message}`).join('\n');
      assert.match(text, /a_broken\.yml: YAML: /);
      assert.match(text, /b_list\.yml: a rule must be a YAML mapping/);
      assert.match(text, /missing\.yml: cannot read: ENOENT/);
      assert.throws(() => loadPackOrThrow([dir]), (err) => err instanceof RuleLoadError && /2 issues/.test(err.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('flags field names outside the semantic conventions when linting', () => {
    const doc = rule(sel({ 'kata.sandbox.idd': 'x', 'kata.field.anything': 'y', body: 'z' }));
    const issues = issuesOf([doc], { checkFields: true });
    assert.equal(issues.length, 1, issues.join('\n'));
    assert.match(issues[0]!, /"kata\.sandbox\.idd" is not a registered/);
    assert.deepEqual(issuesOf([doc]), []);
  });
});

describe('sigma rule issue locations', () => {
  it('gives the line of the offending key, field names with dots included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sigma-lines-'));
    try {
      const file = path.join(dir, 'r.yml');
      fs.writeFileSync(file, [
        'title: lines', 'id: 33333333-2222-4333-8444-555555555555', 'level: low', 'tags: [kata.category.lifecycle]',
        'logsource: {product: kata}', 'detection:', '    selection:', '        body: x', '        kata.sandbox.id|utf16: y',
        '    condition: selection', 'colour: red', '---', 'title: second', 'bogus: 1', '',
      ].join('\n'));
      const issues = loadPack([file]).issues.map((i) => `${i.line}:${i.where}`);
      assert.deepEqual(issues.sort(), ['11:colour', '14:bogus', '9:detection.selection.kata.sandbox.id|utf16', ...issues.filter((i) => i.startsWith('13:'))].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
