/**
 * The index (service lists and literal prefilters) must never change a result: for random
 * rules and records, indexed evaluation equals running every rule on every record.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SigmaEngine } from '../../../processors/sigma/engine';
import { pack, record, rule } from './helpers';

const WORDS = ['exec', 'ExecProcess', 'panic', 'Kernel', 'debug', 'console', 'ab', 'a', 'sandbox', 'x-y', 'EXEC'];
const FIELDS = ['body', 'kata.component', 'kata.sandbox.id', 'container.id', 'kata.log.envelope'];
const COMPONENTS = ['agent', 'runtime', 'guest-kernel'];
const MODIFIERS = ['', '|contains', '|startswith', '|endswith', '|contains|all', '|contains|cased', '|re', '|re|i', '|exists', '|windash|contains'];

const value = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom('*', '?', ''), fc.constantFrom(...WORDS)).map(([a, w, b]) => `${a}${w}${b}`),
);

const item = fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...MODIFIERS), fc.array(value, { minLength: 2, maxLength: 3 }), fc.boolean())
  .map(([f, m, vals, isNull]): [string, unknown] => {
    if (m === '|exists') return [`${f}${m}`, isNull];
    if (m.startsWith('|re')) return [`${f}${m}`, vals.map((v) => v.replace(/[*?]/g, '.'))];
    if (isNull && m === '') return [f, null];
    return [`${f}${m}`, m.includes('all') ? vals : vals.slice(0, 1 + (vals.length % 2))];
  });

const identifier = fc.oneof(
  fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => Object.fromEntries(items)),
  fc.array(fc.array(item, { minLength: 1, maxLength: 2 }).map((items) => Object.fromEntries(items)), { minLength: 1, maxLength: 2 }),
  fc.array(value, { minLength: 1, maxLength: 3 }),
);

const condition = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('s1', 's2', 's3', '1 of s*', 'all of them', '1 of them'),
    fc.tuple(tie('c'), fc.constantFrom('and', 'or'), tie('c')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('c').map((a) => `not ${a}`),
  ),
})).c;

const sigmaRule = fc.tuple(identifier, identifier, identifier, condition, fc.option(fc.constantFrom(...COMPONENTS), { nil: undefined }))
  .map(([s1, s2, s3, cond, service]) => rule({ s1, s2, s3, condition: cond }, {
    logsource: service === undefined ? { product: 'kata' } : { product: 'kata', service },
  }));

const logRecord = fc.tuple(
  fc.array(fc.constantFrom(...WORDS, ' ', '-', '/'), { maxLength: 8 }).map((w) => w.join(' ')),
  fc.option(fc.constantFrom(...COMPONENTS), { nil: undefined }),
  fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
  fc.option(fc.array(fc.constantFrom(...WORDS), { maxLength: 2 }), { nil: undefined }),
).map(([body, comp, sandbox, envelope]) => {
  const a: Record<string, string | string[]> = {};
  if (comp !== undefined) a['kata.component'] = comp;
  if (sandbox !== undefined) a['kata.sandbox.id'] = sandbox;
  if (envelope !== undefined) a['kata.log.envelope'] = envelope;
  return record(a, body);
});

describe('sigma index', () => {
  it('gives the same matches as evaluating every rule', () => {
    let matched = 0;
    fc.assert(
      fc.property(fc.array(sigmaRule, { minLength: 1, maxLength: 6 }), fc.array(logRecord, { minLength: 1, maxLength: 10 }), (rules, records) => {
        const p = pack(rules);
        const indexed = new SigmaEngine(p);
        const naive = new SigmaEngine(p, { indexed: false });
        for (const r of records) {
          const a = indexed.evaluate(r).tagged.map((x) => x.id);
          const b = naive.evaluate(r).tagged.map((x) => x.id);
          assert.deepEqual(a, b);
          matched += a.length;
        }
      }),
      { numRuns: 300 },
    );
    assert.ok(matched > 50, `the generators should produce matches too (${matched})`);
  });

  it('applies a logsource service in both modes', () => {
    const p = pack([rule({ s: { 'body|contains': 'x' }, condition: 's' }, { logsource: { product: 'kata', service: 'agent' } })]);
    for (const indexed of [true, false]) {
      const e = new SigmaEngine(p, { indexed });
      assert.equal(e.evaluate(record({ 'kata.component': 'agent' }, 'x')).tagged.length, 1);
      assert.equal(e.evaluate(record({ 'kata.component': 'runtime' }, 'x')).tagged.length, 0);
      assert.equal(e.evaluate(record({}, 'x')).tagged.length, 0);
    }
  });

  it('prefilters on a literal a rule needs', () => {
    const p = pack([rule({ s: { 'body|contains': 'needle', 'kata.component': 'agent' }, condition: 's' })]);
    assert.deepEqual(p.rules[0]!.node.need, [{ field: 'body', lit: 'needle' }]);
    const q = pack([rule({ s: { 'body|contains': 'needle' }, condition: 'not s' })]);
    assert.equal(q.rules[0]!.node.need, null);
  });
});
