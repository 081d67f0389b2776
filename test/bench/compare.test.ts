import { strict as assert } from 'node:assert';
import path from 'node:path';
import { parseCompareArgs, summarize } from '../../bench/e2e/compare';

describe('bench:e2e:compare', () => {
  it('needs --against and reads rounds and runs', () => {
    assert.throws(() => parseCompareArgs([]), /--against DIR is required/);
    assert.deepEqual(parseCompareArgs(['--against', '/x', '--rounds', '5', '--runs', '2']), { against: path.resolve('/x'), rounds: 5, runs: 2 });
    assert.throws(() => parseCompareArgs(['--against', '/x', '--rounds', '0']), /--rounds needs an integer ≥ 1/);
    assert.throws(() => parseCompareArgs(['--against', '/x', '--fast']), /unknown flag --fast/);
  });

  it('gives the median ratio of B to A over the rounds, and its spread', () => {
    const s = summarize([{ a: 100, b: 110 }, { a: 80, b: 100 }, { a: 90, b: 90 }]);
    assert.equal(s.median, 1.1);
    assert.equal(s.min, 1);
    assert.equal(s.max, 1.25);
    assert.equal(summarize([{ a: 100, b: 110 }, { a: 100, b: 120 }]).median, 1.15);
    assert.throws(() => summarize([]), /no rounds/);
  });
});
