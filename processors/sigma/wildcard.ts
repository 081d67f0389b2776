/**
 * Sigma string values: `*` is any run of characters, `?` exactly one, `\*` `\?` are
 * literal, `\\` is one backslash, and any other backslash stays as written.
 *
 * A value compiles to the cheapest test that decides it (equality, startsWith, endsWith,
 * includes) and only falls back to a segment scan for the rest. The scan is greedy: with
 * fixed-length segments between stars, the leftmost occurrence of each middle segment is
 * always a safe choice, so it never backtracks and runs in O(input × pattern).
 */

/** `?` inside a segment; a NUL never occurs in Kata text we match (the parser drops it). */
const ONE = '\u0000';

export interface Wildcard {
  /** Segments between stars, with `?` as ONE. */
  readonly segments: readonly string[];
  readonly hasStar: boolean;
  readonly hasOne: boolean;
}

export function parseWildcard(value: string): Wildcard {
  const segments: string[] = [];
  let cur = '';
  let hasStar = false;
  let hasOne = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const n = value[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        cur += n;
        i++;
      } else {
        cur += c;
      }
    } else if (c === '*') {
      segments.push(cur);
      cur = '';
      hasStar = true;
    } else if (c === '?') {
      cur += ONE;
      hasOne = true;
    } else {
      cur += c;
    }
  }
  segments.push(cur);
  return { segments, hasStar, hasOne };
}

/** A wildcard value back to Sigma text (for generated values: windash, expand). */
export function escapeLiteral(text: string): string {
  return text.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/** The longest run of plain characters: a substring every match must contain. */
export function longestLiteral(w: Wildcard): string {
  let best = '';
  for (const seg of w.segments) {
    for (const part of seg.split(ONE)) if (part.length > best.length) best = part;
  }
  return best;
}

export type TextTest = (s: string) => boolean;

function segmentAt(s: string, seg: string, at: number): boolean {
  if (at < 0 || at + seg.length > s.length) return false;
  for (let j = 0; j < seg.length; j++) {
    const c = seg.charCodeAt(j);
    if (c !== 0 && c !== s.charCodeAt(at + j)) return false;
  }
  return true;
}

function findSegment(s: string, seg: string, from: number, limit: number, hasOne: boolean): number {
  if (!hasOne) {
    const i = s.indexOf(seg, from);
    return i >= 0 && i + seg.length <= limit ? i : -1;
  }
  for (let i = from; i + seg.length <= limit; i++) if (segmentAt(s, seg, i)) return i;
  return -1;
}

/** Compiles a parsed value; `lower` lowercases its literals (the input is then lowercased by the caller). */
export function compileWildcard(w: Wildcard, lower: boolean): TextTest {
  const segs = lower ? w.segments.map((s) => s.toLowerCase()) : [...w.segments];
  const { hasOne } = w;
  if (!w.hasStar) {
    const only = segs[0]!;
    return hasOne ? (s) => s.length === only.length && segmentAt(s, only, 0) : (s) => s === only;
  }
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1).filter((s) => s !== '');
  if (!hasOne && middle.length === 0) {
    if (first === '' && last === '') return () => true;
    if (first === '') return (s) => s.endsWith(last);
    if (last === '') return (s) => s.startsWith(first);
    return (s) => s.length >= first.length + last.length && s.startsWith(first) && s.endsWith(last);
  }
  if (!hasOne && first === '' && last === '' && middle.length === 1) {
    const m = middle[0]!;
    return (s) => s.includes(m);
  }
  return (s) => {
    const limit = s.length - last.length;
    if (limit < first.length || !segmentAt(s, first, 0) || !segmentAt(s, last, limit)) return false;
    let pos = first.length;
    for (const m of middle) {
      const i = findSegment(s, m, pos, limit, hasOne);
      if (i < 0) return false;
      pos = i + m.length;
    }
    return true;
  };
}
