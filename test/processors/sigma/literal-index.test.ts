import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EvalCtx, fieldGetter } from '../../../processors/sigma/fields';
import { FieldLiterals } from '../../../processors/sigma/literal-index';
import { record } from './helpers';

function present(literals: string[], text: string): boolean[] {
  const idx = new FieldLiterals('body', fieldGetter('body'));
  const ids = literals.map((l) => idx.add(l));
  idx.seal();
  const ctx = new EvalCtx();
  ctx.reset(record({}, text));
  idx.next();
  return ids.map((i) => idx.has(i, ctx));
}

describe('sigma literal index', () => {
  it('finds overlapping literals and literals inside longer ones', () => {
    assert.deepEqual(present(['abc', 'bcd', 'ab', 'cd', 'zz'], 'xabcdx'), [true, true, true, true, false]);
    assert.deepEqual(present(['a.b', '(x)', 'a|b'], 'A.B and (x) and a|b'), [true, true, true]);
  });

  it('agrees with includes on random literals and texts', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', '.', '*');
    const word = fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
    fc.assert(fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 8 }), fc.array(alphabet, { maxLength: 30 }).map((a) => a.join('')), (lits, text) => {
      assert.deepEqual(present(lits, text), lits.map((l) => text.includes(l)));
    }), { numRuns: 500 });
  });
});
