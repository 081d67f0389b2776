/**
 * The Sigma condition grammar, parsed once per rule into a tree. Precedence from loosest
 * to tightest: or < and < not < `x of` < parentheses.
 *
 *   or   := and ("or" and)*
 *   and  := not ("and" not)*
 *   not  := "not" not | xof
 *   xof  := ("1" | "all") "of" (PATTERN | "them") | prim
 *   prim := IDENT | "(" or ")"
 */
import { ConstructError } from './errors';

export type Cond =
  | { op: 'and' | 'or'; args: Cond[] }
  | { op: 'not'; arg: Cond }
  | { op: 'ref'; name: string }
  | { op: 'of'; quantifier: 'one' | 'all'; pattern: string };

/** Deep conditions are a mistake long before they are useful; this also bounds recursion. */
const MAX_DEPTH = 64;
const MAX_TOKENS = 4096;

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', '1', 'all']);

function tokenize(text: string, where: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\(|\)|[A-Za-z0-9_.*?-]+)\s*/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) {
      if (text.slice(pos).trim() === '') break;
      throw new ConstructError(where, `unexpected character ${JSON.stringify(text[pos + (text.slice(pos).length - text.slice(pos).trimStart().length)])} in condition`);
    }
    tokens.push(m[1]!);
    pos = re.lastIndex;
    if (tokens.length > MAX_TOKENS) throw new ConstructError(where, `condition has more than ${MAX_TOKENS} tokens`);
  }
  return tokens;
}

export function parseCondition(text: string, where: string): Cond {
  const tokens = tokenize(text, where);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const lower = (t: string | undefined): string | undefined => t?.toLowerCase();
  const fail = (msg: string): never => {
    throw new ConstructError(where, `${msg} in condition ${JSON.stringify(text)}`);
  };
  /** `operand (op operand)*`, flattened. */
  const chain = (op: 'and' | 'or', operand: (depth: number) => Cond) => (depth: number): Cond => {
    const args = [operand(depth)];
    while (lower(peek()) === op) {
      i++;
      args.push(operand(depth));
    }
    return args.length === 1 ? args[0]! : { op, args };
  };
  const andExpr = (depth: number): Cond => chain('and', notExpr)(depth);
  const orExpr = (depth: number): Cond => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    return chain('or', andExpr)(depth);
  };
  const notExpr = (depth: number): Cond => {
    if (lower(peek()) === 'not') {
      i++;
      if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
      return { op: 'not', arg: notExpr(depth + 1) };
    }
    return xofExpr(depth);
  };
  const xofExpr = (depth: number): Cond => {
    const t = peek();
    const lt = lower(t);
    if ((lt === '1' || lt === 'all') && lower(tokens[i + 1]) === 'of') {
      i += 2;
      const target = peek();
      if (target === undefined || target === '(' || target === ')') return fail(`'${t} of' needs a pattern or 'them'`);
      i++;
      const lowTarget = target.toLowerCase();
      if (KEYWORDS.has(lowTarget) && lowTarget !== 'them') return fail(`'${t} of' needs a pattern or 'them', not '${target}'`);
      return { op: 'of', quantifier: lt === '1' ? 'one' : 'all', pattern: lowTarget === 'them' ? 'them' : target };
    }
    if (/^\d+$/.test(t ?? '') && lower(tokens[i + 1]) === 'of') {
      return fail(`'${t} of' is not Sigma: only '1 of' and 'all of' exist`);
    }
    return prim(depth);
  };
  const prim = (depth: number): Cond => {
    const t = peek();
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      i++;
      const inner = orExpr(depth + 1);
      if (peek() !== ')') fail("missing ')'");
      i++;
      return inner;
    }
    if (t === ')') return fail("unexpected ')'");
    if (KEYWORDS.has(t.toLowerCase())) return fail(`unexpected '${t}'`);
    if (/[*?]/.test(t)) return fail(`'${t}' has a wildcard; patterns only go after '1 of' or 'all of'`);
    i++;
    return { op: 'ref', name: t };
  };
  if (tokens.length === 0) fail('empty condition');
  const tree = orExpr(0);
  if (i < tokens.length) fail(`unexpected '${tokens[i]}'`);
  return tree;
}
