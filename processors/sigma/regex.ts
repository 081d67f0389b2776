/**
 * `re` values run on re2js, a pure-JS port of RE2: matching time is linear in the input
 * whatever the pattern, so a rule like `(a+)+$` cannot stall the pipeline, and there is no
 * native addon to build (CI runs Node 20 and 22). Patterns RE2 cannot run in linear time
 * (backreferences, lookaround) fail to compile, which makes the rule a load error.
 */
import { RE2JS } from 're2js';
import { ConstructError } from './errors';

/** Longer patterns are almost surely a mistake, and compile time grows with them. */
export const MAX_PATTERN_LENGTH = 4096;

export interface ReFlags {
  i: boolean;
  m: boolean;
  s: boolean;
}

export type RegexTest = (s: string) => boolean;

export function compileRegex(pattern: string, flags: ReFlags, where: string): RegexTest {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new ConstructError(where, `regular expression is ${pattern.length} characters long (at most ${MAX_PATTERN_LENGTH})`);
  }
  let f = 0;
  if (flags.i) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.m) f |= RE2JS.MULTILINE;
  if (flags.s) f |= RE2JS.DOTALL;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, f);
  } catch (err) {
    throw new ConstructError(where, `regular expression ${JSON.stringify(pattern)} is not supported: ${(err as Error).message}`);
  }
  return (s) => re.test(s);
}
