import assert from 'node:assert/strict';
import { compileWildcard, escapeLiteral, longestLiteral, parseWildcard } from '../../../processors/sigma/wildcard';

const test = (pattern: string, s: string, lower = false): boolean => compileWildcard(parseWildcard(pattern), lower)(s);

describe('sigma wildcards', () => {
  it('matches whole values without wildcards', () => {
    assert.equal(test('abc', 'abc'), true);
    assert.equal(test('abc', 'abcd'), false);
    assert.equal(test('abc', 'xabc'), false);
  });

  it('treats * as any run and ? as one character', () => {
    assert.equal(test('a*c', 'ac'), true);
    assert.equal(test('a*c', 'abbbc'), true);
    assert.equal(test('a*c', 'abbbd'), false);
    assert.equal(test('a?c', 'abc'), true);
    assert.equal(test('a?c', 'ac'), false);
    assert.equal(test('*b*', 'abc'), true);
    assert.equal(test('*', ''), true);
    assert.equal(test('a*b*c', 'a-c-b-c'), true);
    assert.equal(test('a*b*c', 'acb'), false);
    assert.equal(test('*a?c*', 'xxabcxx'), true);
    assert.equal(test('*a?c*x', 'xxabcx'), true);
    assert.equal(test('ab*ba', 'aba'), false, 'prefix and suffix may not overlap');
  });

  it('follows the escaping rules of the specification', () => {
    assert.equal(test('a\\*b', 'a*b'), true);
    assert.equal(test('a\\*b', 'axb'), false);
    assert.equal(test('a\\?b', 'a?b'), true);
    assert.equal(test('a\\?b', 'axb'), false);
    // \\* is a literal backslash followed by the wildcard
    assert.equal(test('a\\\\*', 'a\\xyz'), true);
    assert.equal(test('a\\\\*', 'axyz'), false);
    // \\\* is a literal backslash and a literal star
    assert.equal(test('a\\\\\\*', 'a\\*'), true);
    assert.equal(test('a\\\\\\*', 'a\\x'), false);
    // \\\\ gives two backslashes; a lone backslash stays
    assert.equal(test('a\\\\\\\\b', 'a\\\\b'), true);
    assert.equal(test('C:\\Windows', 'C:\\Windows'), true);
  });

  it('escapes generated text back to Sigma literals', () => {
    for (const s of ['a*b', 'a?b', 'a\\b', 'plain', '\\*\\?']) assert.equal(test(escapeLiteral(s), s), true, s);
  });

  it('lowercases its literals when asked', () => {
    assert.equal(test('*ExecProcess*', 'execprocess request', true), true);
  });

  it('knows the longest literal every match contains', () => {
    assert.equal(longestLiteral(parseWildcard('*ab*cdef?gh*')), 'cdef');
    assert.equal(longestLiteral(parseWildcard('*')), '');
  });
});
