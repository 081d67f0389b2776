import assert from 'node:assert/strict';
import { parseCondition } from '../../../processors/sigma/condition';
import { matches, record } from './helpers';

/** Identifiers a, b, c, _f match bodies containing their own letter. */
const ids = { a: { 'body|contains': 'A' }, b: { 'body|contains': 'B' }, c: { 'body|contains': 'C' }, _f: { 'body|contains': 'F' } };
const holds = (condition: string | string[], text: string): boolean => matches({ ...ids, condition }, record({}, text));

/** Every subset of {a, b, c}, as record bodies. */
const WORLDS = ['', 'a', 'b', 'c', 'ab', 'ac', 'bc', 'abc'];

function agree(condition: string, truth: (a: boolean, b: boolean, c: boolean) => boolean): void {
  for (const w of WORLDS) {
    assert.equal(holds(condition, w), truth(w.includes('a'), w.includes('b'), w.includes('c')), `${condition} on {${w}}`);
  }
}

describe('sigma conditions', () => {
  it('and binds tighter than or', () => {
    agree('a or b and c', (a, b, c) => a || (b && c));
    agree('a and b or c', (a, b, c) => (a && b) || c);
  });

  it('not binds tighter than and', () => {
    agree('not a and b', (a, b) => !a && b);
    agree('not a or b', (a, b) => !a || b);
    agree('not not a', (a) => a);
  });

  it('parentheses group', () => {
    agree('(a or b) and c', (a, b, c) => (a || b) && c);
    agree('not (a or b)', (a, b) => !(a || b));
    agree('a and not (b and not c)', (a, b, c) => a && !(b && !c));
  });

  it('1 of and all of take patterns', () => {
    agree('1 of a*', (a) => a);
    agree('1 of *', (a, b, c) => a || b || c);
    agree('all of them', (a, b, c) => a && b && c);
    agree('1 of them', (a, b, c) => a || b || c);
    agree('not 1 of them', (a, b, c) => !(a || b || c));
    agree('all of them or c', (a, b, c) => (a && b && c) || c);
  });

  it('leaves identifiers starting with _ out of them, not out of patterns', () => {
    assert.equal(holds('1 of them', 'f'), false);
    assert.equal(holds('1 of _*', 'f'), true);
    assert.equal(holds('all of them', 'abc'), true, '_f need not match for all of them');
  });

  it('ORs a list of conditions', () => {
    assert.equal(holds(['a and b', 'c'], 'c'), true);
    assert.equal(holds(['a and b', 'c'], 'a'), false);
  });

  it('takes keywords in any case', () => {
    agree('a AND NOT b', (a, b) => a && !b);
    agree('1 OF them', (a, b, c) => a || b || c);
  });

  it('rejects what is not the grammar, saying where', () => {
    const bad = ['', 'a and', '(a or b', 'a b', 'a or or b', '2 of them', 'all of', 'a*', 'a )', 'a & b', 'all of (a)'];
    for (const c of bad) assert.throws(() => parseCondition(c, 'detection.condition'), /condition/, JSON.stringify(c));
  });

  it('builds the tree by precedence', () => {
    assert.deepEqual(parseCondition('a or b and not c', 'w'), {
      op: 'or', args: [{ op: 'ref', name: 'a' }, { op: 'and', args: [{ op: 'ref', name: 'b' }, { op: 'not', arg: { op: 'ref', name: 'c' } }] }],
    });
    assert.deepEqual(parseCondition('all of sel_* and 1 of them', 'w'), {
      op: 'and', args: [{ op: 'of', quantifier: 'all', pattern: 'sel_*' }, { op: 'of', quantifier: 'one', pattern: 'them' }],
    });
  });

  it('bounds nesting', () => {
    assert.throws(() => parseCondition(`${'('.repeat(100)}a${')'.repeat(100)}`, 'w'), /deeper than/);
    assert.throws(() => parseCondition(`${'not '.repeat(100)}a`, 'w'), /deeper than/);
  });
});
