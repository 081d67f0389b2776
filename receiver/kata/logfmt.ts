/**
 * A logfmt scanner for logrus `TextFormatter` output. Values are bare when every
 * character is in [A-Za-z0-9-._/@^+] and Go-quoted (`%q`) otherwise, so a quoted value
 * is decoded with Go's escapes. Damaged text (lost chunks, a stray quote, a raw newline
 * cut mid-value) still yields every pair that can be read, with `clean` false.
 */
import { findClosingQuote, goUnescape } from './unquote';

export interface LogfmtResult {
  /** Flat [key0, value0, key1, value1, ...] in the order written. */
  pairs: string[];
  /** False when a token had no `=`, an escape was invalid or a quote never closed. */
  clean: boolean;
  /** True when the last quoted value runs to the end of the text without a closing quote. */
  unterminated: boolean;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

const OTHER_SPACE = /[\t\r\n]/;
const NEXT_KEY = /\s[A-Za-z_][\w.-]{0,64}=/g;

export function scanLogfmt(text: string, start = 0): LogfmtResult {
  const pairs: string[] = [];
  let clean = true;
  let unterminated = false;
  const n = text.length;
  let i = start;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 61 /* = */ || isSpace(c) || c === 34 /* " */) break;
      i++;
    }
    const key = text.slice(keyStart, i);
    if (i >= n || text.charCodeAt(i) !== 61) {
      // A token without `=`: go-logfmt reads it as a key with no value; for Kata text it
      // means damage (a lost chunk or a stray quote), so skip it and say so.
      // A stray quote is skipped alone so the pairs after it are still read.
      clean = false;
      if (key === '' || (i < n && text.charCodeAt(i) === 34)) i++;
      continue;
    }
    i++; // past '='
    if (i < n && text.charCodeAt(i) === 34) {
      const close = findClosingQuote(text, i + 1);
      if (close < 0) {
        // The closing quote was lost (a cut paste): end the value at the next ` key=`
        // so the fields after it are recovered; else it runs to the end.
        clean = false;
        unterminated = true;
        NEXT_KEY.lastIndex = i + 1;
        const next = NEXT_KEY.exec(text);
        const end = next === null ? n : next.index;
        pairs.push(key, goUnescape(text.slice(i + 1, end)).value);
        i = end;
        continue;
      }
      const u = goUnescape(text.slice(i + 1, close));
      if (!u.clean) clean = false;
      pairs.push(key, u.value);
      i = close + 1;
      if (i < n && !isSpace(text.charCodeAt(i))) clean = false;
    } else {
      // Bare values never hold a space; the native search is much faster than a char loop.
      const valueStart = i;
      const space = text.indexOf(' ', i);
      i = space < 0 ? n : space;
      let value = text.slice(valueStart, i);
      const tab = value.search(OTHER_SPACE);
      if (tab >= 0) {
        i = valueStart + tab;
        value = value.slice(0, tab);
      }
      pairs.push(key, value);
    }
    if (key === '') clean = false;
  }
  return { pairs, clean, unterminated };
}

/** Cheap check used by format detection: the text opens with a logrus key. */
export function startsLikeLogfmt(text: string): boolean {
  return (
    text.startsWith('time=') ||
    text.startsWith('level=') ||
    text.startsWith('msg=') ||
    text.startsWith('vmconsole=')
  );
}
