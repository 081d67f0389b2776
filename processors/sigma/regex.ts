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

const QUANTIFIER = /^\{(\d+)(,\d*)?\}/;

/**
 * The longest run of plain characters every match of `pattern` must contain, or '' when
 * none is certain. Deliberately conservative: only the top-level sequence is read (a
 * top-level `|` gives ''), groups, classes, escapes of letters and anchors end a run, and a
 * character made optional by `?`, `*` or `{0,…}` is dropped from its run.
 */
export function requiredLiteral(pattern: string): string {
  const runs: string[] = [];
  let cur = '';
  const end = (): void => {
    if (cur !== '') runs.push(cur);
    cur = '';
  };
  let i = 0;
  const skipBracketed = (): boolean => {
    // From an opening `(` or `[`: to its close, minding escapes, classes and nesting.
    let depth = 0;
    let inClass = false;
    for (; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\') {
        i++;
        continue;
      }
      if (inClass) {
        if (c === ']') inClass = false;
        continue;
      }
      if (c === '[') {
        inClass = true;
        // `[]` and `[^]` take a literal `]` first.
        if (pattern[i + 1] === '^') i++;
        if (pattern[i + 1] === ']') i++;
        if (depth === 0) {
          // A class at top level ends here once closed.
          for (i++; i < pattern.length; i++) {
            if (pattern[i] === '\\') i++;
            else if (pattern[i] === ']') return true;
          }
          return false;
        }
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return true;
    }
    return false;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '|') return '';
    if (c === '(' || c === '[') {
      end();
      if (!skipBracketed()) return '';
      i++;
      continue;
    }
    if (c === '*' || c === '?' || (c === '{' && QUANTIFIER.test(pattern.slice(i)))) {
      const q = c === '{' ? QUANTIFIER.exec(pattern.slice(i))! : undefined;
      const optional = c !== '{' || Number(q![1]) === 0;
      if (optional) cur = cur.slice(0, -1);
      end();
      i += q === undefined ? 1 : q[0].length;
      if (pattern[i] === '?') i++;
      continue;
    }
    if (c === '+') {
      end();
      i++;
      if (pattern[i] === '?') i++;
      continue;
    }
    if (c === '.' || c === '^' || c === '$' || c === ')') {
      end();
      i++;
      continue;
    }
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) {
        end();
        i += 2;
        continue;
      }
      cur += n;
      i += 2;
      continue;
    }
    cur += c;
    i++;
  }
  end();
  let best = '';
  for (const r of runs) if (r.length > best.length) best = r;
  return best;
}
