/**
 * The encoders that match unquote.ts: Go `%q` (how logrus writes a value that needs
 * quoting) and Rust `{:?}` of a string (runtime-rs `vm console: "..."`). The parser reads
 * these; tests and the benchmark corpus write them.
 */

/** Go strconv.Quote for printable text: `\"`, `\\`, `\n`, `\r`, `\t`, `\xHH` for other controls. */
export function goQuote(v: string): string {
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    const c = v.charCodeAt(i);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Rust `{:?}` of a string: `\"`, `\\`, `\n`, `\r`, `\t`, `\u{..}` for other controls. */
export function rustDebugQuote(v: string): string {
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    const c = v.charCodeAt(i);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\u{' + c.toString(16) + '}';
    else out += ch;
  }
  return out + '"';
}
