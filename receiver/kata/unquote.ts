/**
 * Decoders for the quoted strings Kata's emitters write: Go `%q` (logrus values) and
 * Rust `{:?}` (runtime-rs `vm console: "..."`). Both are lenient: an unknown or cut
 * escape is kept as written and reported, never thrown.
 */
export interface Unquoted {
  value: string;
  /** False when an escape was invalid or truncated (the text is still returned). */
  clean: boolean;
}

function hexValue(text: string, from: number, len: number): number {
  if (from + len > text.length) return -1;
  let v = 0;
  for (let i = from; i < from + len; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0',
};

/**
 * Go's `%q` and JSON share the escapes `\" \\ \n \t \r \b \f \uXXXX`; when a string uses
 * no others (no `\x`, `\a`, `\v`, `\U`, octal) the native JSON decoder does the work, which
 * matters for `vmconsole="{\"msg\":...}"`, where every quote is escaped.
 */
function jsonCompatibleUnescape(text: string): string | undefined {
  // `\x` (ANSI colours, NUL) is the Go-only escape Kata text carries most; the rarer
  // `\a \v \U` and octal make JSON.parse throw, which falls back below.
  if (text.indexOf('\\x') >= 0) return undefined;
  try {
    return JSON.parse('"' + text + '"') as string;
  } catch {
    // Raw control characters or a bad \u escape: the careful decoder below handles them.
    return undefined;
  }
}

/**
 * Decodes the inside of a Go double-quoted string (`strconv.Quote` output without the
 * outer quotes). `\xHH` bytes are gathered and decoded as UTF-8 so multi-byte runs survive.
 */
export function goUnescape(text: string): Unquoted {
  if (text.indexOf('\\') < 0) return { value: text, clean: true };
  const fast = jsonCompatibleUnescape(text);
  if (fast !== undefined) return { value: fast, clean: true };
  let out = '';
  let clean = true;
  let bytes: number[] | null = null;
  const flushBytes = (): void => {
    if (bytes !== null) {
      out += Buffer.from(bytes).toString('utf8');
      bytes = null;
    }
  };
  let i = 0;
  while (i < text.length) {
    const slash = text.indexOf('\\', i);
    if (slash < 0) {
      flushBytes();
      out += text.slice(i);
      break;
    }
    if (slash > i) {
      flushBytes();
      out += text.slice(i, slash);
    }
    const kind = text[slash + 1];
    if (kind === 'x') {
      const v = hexValue(text, slash + 2, 2);
      if (v >= 0) {
        (bytes ??= []).push(v);
        i = slash + 4;
        continue;
      }
    } else if (kind === 'u' || kind === 'U') {
      const len = kind === 'u' ? 4 : 8;
      const v = hexValue(text, slash + 2, len);
      if (v >= 0 && v <= 0x10ffff) {
        flushBytes();
        out += String.fromCodePoint(v);
        i = slash + 2 + len;
        continue;
      }
    } else if (kind !== undefined && kind >= '0' && kind <= '7' && /^[0-7]{3}$/.test(text.slice(slash + 1, slash + 4))) {
      (bytes ??= []).push(parseInt(text.slice(slash + 1, slash + 4), 8) & 0xff);
      i = slash + 4;
      continue;
    } else if (kind !== undefined && SIMPLE_ESCAPES[kind] !== undefined) {
      flushBytes();
      out += SIMPLE_ESCAPES[kind];
      i = slash + 2;
      continue;
    }
    // Unknown or truncated escape: keep the backslash literally.
    flushBytes();
    clean = false;
    out += '\\';
    i = slash + 1;
  }
  flushBytes();
  return { value: out, clean };
}

/** Decodes the inside of a Rust `{:?}` string: `\u{1b}`, `\n`, `\r`, `\t`, `\"`, `\\`, `\'`, `\0`. */
export function rustUnescape(text: string): Unquoted {
  if (text.indexOf('\\') < 0) return { value: text, clean: true };
  let out = '';
  let clean = true;
  let i = 0;
  while (i < text.length) {
    const slash = text.indexOf('\\', i);
    if (slash < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, slash);
    const kind = text[slash + 1];
    if (kind === 'u' && text[slash + 2] === '{') {
      const close = text.indexOf('}', slash + 3);
      const v = close > 0 && close - slash <= 9 ? hexValue(text, slash + 3, close - slash - 3) : -1;
      if (v >= 0 && v <= 0x10ffff) {
        out += String.fromCodePoint(v);
        i = close + 1;
        continue;
      }
    } else if (kind !== undefined && kind !== 'x' && SIMPLE_ESCAPES[kind] !== undefined) {
      out += SIMPLE_ESCAPES[kind];
      i = slash + 2;
      continue;
    }
    clean = false;
    out += '\\';
    i = slash + 1;
  }
  return { value: out, clean };
}

/**
 * Decodes a whole Rust `{:?}` string literal, quotes included (`"[\u{1b}[0;32m  OK  ..."`).
 * Text without its closing quote (a cut line) is still decoded, with `clean` false.
 */
export function unquoteRustDebug(quoted: string): Unquoted {
  const whole = quoted.length >= 2 && quoted.charCodeAt(0) === 34 && findClosingQuote(quoted, 1) === quoted.length - 1;
  if (whole) return rustUnescape(quoted.slice(1, -1));
  const opened = quoted.charCodeAt(0) === 34 ? quoted.slice(1) : quoted;
  return { value: rustUnescape(opened).value, clean: false };
}

/**
 * Index of the double quote that closes a quoted string opened just before `from`,
 * skipping backslash-escaped quotes; -1 when the string is not closed on this text.
 */
export function findClosingQuote(text: string, from: number): number {
  let q = text.indexOf('"', from);
  while (q >= 0) {
    let slashes = 0;
    for (let j = q - 1; j >= from && text.charCodeAt(j) === 92; j--) slashes++;
    if ((slashes & 1) === 0) return q;
    q = text.indexOf('"', q + 1);
  }
  return -1;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]/g;

/** Removes ANSI colour and cursor sequences (systemd and env_logger colour the console). */
export function stripAnsi(text: string): string {
  return text.indexOf('\x1b') < 0 ? text : text.replace(ANSI, '');
}
