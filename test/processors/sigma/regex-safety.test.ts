import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { compileRegex, requiredLiteral } from '../../../processors/sigma/regex';
import { issuesOf, matches, record, rule } from './helpers';

const NO_FLAGS = { i: false, m: false, s: false };

describe('sigma regex safety', () => {
  it('runs catastrophic-backtracking patterns in linear time', () => {
    const long = `${'a'.repeat(100_000)}!`;
    for (const pattern of ['(a+)+$', '(a|aa)+$', '(a*)*b', '^(a|a?)+$', '(.*a){20}$']) {
      const t = process.hrtime.bigint();
      assert.equal(compileRegex(pattern, NO_FLAGS, 'w')(long), false, pattern);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      // A backtracking engine takes longer than the age of the universe on these.
      assert.ok(ms < 2000, `${pattern} took ${ms.toFixed(0)} ms`);
    }
  });

  it('runs them through a rule as well', () => {
    const t = Date.now();
    assert.equal(matches({ selection: { 'body|re': '(a+)+$' }, condition: 'selection' }, record({}, `${'a'.repeat(50_000)}!`)), false);
    assert.equal(matches({ selection: { 'body|re': '(a+)+$' }, condition: 'selection' }, record({}, 'a'.repeat(50_000))), true);
    assert.ok(Date.now() - t < 2000);
  });

  it('rejects what RE2 cannot run in linear time, at load, naming the rule', () => {
    for (const pattern of ['(a)\\1', '(?=a)b', '(?<!a)b']) {
      const doc = rule({ selection: { 'body|re': pattern }, condition: 'selection' });
      const issues = issuesOf([doc]);
      assert.equal(issues.length, 1, pattern);
      assert.match(issues[0]!, new RegExp(`rule ${String(doc.id)} detection\\.selection\\.body\\|re: regular expression .* is not supported`));
    }
  });

  it('bounds the pattern length', () => {
    const issues = issuesOf([rule({ selection: { 'body|re': 'a'.repeat(5000) }, condition: 'selection' })]);
    assert.match(issues[0]!, /at most 4096/);
  });
});

describe('sigma regex required literals', () => {
  it('reads the mandatory plain runs of the top-level sequence', () => {
    const cases: [string, string][] = [
      ['failed to launch qemu', 'failed to launch qemu'],
      ['^Kernel panic - not syncing: .*$', 'Kernel panic - not syncing: '],
      ['vsock (\\d+):1024', 'vsock '],
      ['abc?def', 'def'],
      ['abcd+ef', 'abcd'],
      ['ab{0,2}cdef', 'cdef'],
      ['xy{2}zzz', 'zzz'],
      ['a\\.b\\.c', 'a.b.c'],
      ['foo\\d+barbaz', 'barbaz'],
      ['[a-z]+longest[0-9]', 'longest'],
      ['a|b', ''],
      ['(one|two) three', ' three'],
      ['x(?i)CaSe', 'CaSe'],
      ['.*', ''],
    ];
    for (const [p, want] of cases) assert.equal(requiredLiteral(p), want, p);
  });

  it('never names a literal a match can lack', () => {
    const piece = fc.constantFrom('ab', 'b', 'a', 'ba', '.', '\\d', '[ab]', '(a|b)', '(ab)?', 'a?', 'b*', 'a+', 'b{0,2}', 'a{2}', '\\.', '^', '$', '(?i)A', 'x', '1');
    const alphabet = fc.constantFrom('a', 'b', 'A', '.', '1', 'x');
    fc.assert(fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => a.join('')), fc.array(alphabet, { maxLength: 12 }).map((a) => a.join('')), (pattern, text) => {
      const lit = requiredLiteral(pattern).toLowerCase();
      if (RE2JS.compile(pattern).test(text)) assert.ok(text.toLowerCase().includes(lit), `${pattern} matched ${JSON.stringify(text)} without ${JSON.stringify(lit)}`);
    }), { numRuns: 2000 });
  });
});
