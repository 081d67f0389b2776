/**
 * Joins physical lines into logical records: Go panics and goroutine dumps, Rust
 * `Caused by:` chains, pretty-printed or console-wrapped JSON, `journalctl -o export`
 * blocks, kubectl Events tables, multi-line client errors, terminal hard-wraps and the
 * raw newline Kata 1.x left at the end of relayed agent messages.
 *
 * Lines of different writers (journal identifier and pid) never join. A record is held
 * until the next line shows whether it continues, so callers flush at the end (or after
 * an idle period when following live input). Size is bounded: a record that reaches
 * `maxLines` or `maxBytes` is closed and the rest starts a new one, marked as split.
 */
import type { Peeled } from './envelope';
import { peel, sameWriter as isSameWriter } from './envelope';

export interface Entry {
  peeled: Peeled;
  /** Payload text, joined across lines. */
  text: string;
  /** The physical lines exactly as read. */
  raw: string[];
  /** 1-based line number of the first physical line. */
  lineNumber: number;
  /** True when the size bound cut this record off from what followed (or from what preceded). */
  split: boolean;
  /** Why damaged lines were joined (a terminal hard-wrap, a raw newline), or "". */
  repaired: string;
}

export interface RecombinerOptions {
  maxLines?: number;
  maxBytes?: number;
}

type Mode = 'single' | 'json' | 'fluentd' | 'export' | 'panic' | 'events' | 'client' | 'rust' | 'done';

interface Pending extends Entry {
  mode: Mode;
  bytes: number;
  /** Open `{`/`[` count of a JSON record. */
  depth: number;
  /** The JSON text so far ends inside a string. */
  inString: boolean;
  /** Blank lines taken into a Rust error (between its head and `Caused by:`), not yet in `text`. */
  blanks: number;
}

/** How a line continues the pending record; computed without changing it, applied by the caller. */
interface Step {
  /** Text to add; null for a line kept in `raw` only (a blank line). */
  payload: string | null;
  separator: string;
  mode: Mode;
  depth: number;
  inString: boolean;
  repaired: string;
}

const PANIC_START = /^(?:panic: |fatal error: |goroutine \d{1,12} \[)/;
const CLIENT_START = /^(?:ctr|docker|crictl|nerdctl|podman|kubectl): |^Error response from daemon: /;
const RUST_START = /^thread '[^'\n]{0,128}' panicked at /;
const FLUENTD_HEADER = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9} [+-]\d{4} [\w.-]{1,128}:$/;
const RUST_CONTINUATION = /^(?:Caused by:|stack backtrace:|note: run with `RUST_BACKTRACE|\s+\d{1,4}: |\s+at )/;
const PROXY_TAIL = /^"\s+[A-Za-z_][\w.-]{0,64}=/;
const GOROUTINE = /^goroutine \d/;

/** Whether a payload opens a record of its own (so it cannot continue the previous one). */
export function startsRecord(s: string): boolean {
  const c = s.charCodeAt(0);
  switch (c) {
    case 116 /* t */: return s.startsWith('time=');
    case 108 /* l */: return s.startsWith('level=');
    case 123 /* { */: return true;
    case 91 /* [ */: return /^\[(?:\s*\d+\.\d+\]|\d{4}-|ID: |\s*(?:OK|FAILED|DEPEND)\s*\])/.test(s);
    case 45 /* - */: return s.startsWith('-- ');
    case 112 /* p */: return s.startsWith('panic: ');
    case 102 /* f */: return s.startsWith('fatal error: ');
    case 103 /* g */: return GOROUTINE.test(s);
    case 69 /* E */: return s.startsWith('Events:') || s.startsWith('Error') || /^E\d{4} /.test(s);
    case 99 /* c */: return s.startsWith('ctr: ') || s.startsWith('cloud-hypervisor: ');
    case 113 /* q */: return s.startsWith('qemu-');
    case 118 /* v */: return s.startsWith('vmconsole=') || s.startsWith('vm console: ');
    default:
      if (c >= 48 && c <= 57) return /^\d{4}[-/]\d\d[-/]\d\d/.test(s);
      if (c >= 65 && c <= 90) return /^(?:[IWF]\d{4} |(?:TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\[)/.test(s);
      return false;
  }
}

/**
 * A logfmt record whose last token has no `=` was cut by a terminal wrap (`... subs` then
 * `ystem=kata_agent ...`): the only hard-wrap the recombiner repairs, so a long line is
 * never glued to an unrelated one.
 */
function endsMidToken(text: string): boolean {
  if (!text.startsWith('time=') || text.length < 80) return false;
  const lastSpace = text.lastIndexOf(' ');
  const token = text.slice(lastSpace + 1);
  return token.indexOf('=') < 0 && token.indexOf('"') < 0;
}

/** Net `{`/`[` depth of a JSON fragment, ignoring brackets inside strings. */
function jsonDepth(s: string, inString: boolean): { depth: number; inString: boolean } {
  let depth = 0;
  let str = inString;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (str) {
      if (c === 92) i++;
      else if (c === 34) str = false;
    } else if (c === 34) str = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  return { depth, inString: str };
}

function isBlankText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * journalctl prints the further lines of a multi-line MESSAGE under the first one, indented by
 * the width of the `Mon DD HH:MM:SS host ident[pid]: ` prefix and without a prefix of their own.
 */
function journalIndent(e: Pending, line: string): number {
  const envs = e.peeled.envelopes;
  if (envs.length !== 1 || envs[0] !== 'journal-short' || line.charCodeAt(0) !== 32) return -1;
  const width = e.raw[0]!.length - e.peeled.payload.length;
  if (width < 16 || line.length < width) return -1;
  for (let i = 0; i < width; i++) if (line.charCodeAt(i) !== 32) return -1;
  return width;
}

export class Recombiner {
  private pending: Pending | undefined;
  private readonly maxLines: number;
  private readonly maxBytes: number;

  constructor(opts: RecombinerOptions = {}) {
    this.maxLines = Math.max(1, opts.maxLines ?? 1000);
    this.maxBytes = opts.maxBytes ?? 1 << 20;
  }

  /** Feeds one physical line; returns the record it completed, if any. */
  push(line: string, lineNumber: number): Entry | undefined {
    const p = peel(line);
    const pending = this.pending;
    if (pending !== undefined) {
      const step = this.continues(pending, p, line);
      if (step !== null) {
        if (pending.raw.length < this.maxLines && pending.bytes + line.length <= this.maxBytes) {
          this.apply(pending, step, line);
          return undefined;
        }
        // Too big: close it here and let the rest of the same record start a new one.
        const rest = this.start(p, line, lineNumber);
        rest.text = step.payload ?? '';
        rest.mode = step.mode;
        rest.depth = step.depth;
        rest.inString = step.inString;
        rest.split = true;
        pending.split = true;
        this.pending = rest;
        return pending;
      }
    }
    this.pending = this.start(p, line, lineNumber);
    return pending;
  }

  /** Returns the held record (end of input, or the input went idle). */
  flush(): Entry | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p;
  }

  private start(p: Peeled, line: string, lineNumber: number): Pending {
    const text = p.payload;
    let mode: Mode = 'single';
    let depth = 0;
    let inString = false;
    const c = text.charCodeAt(0);
    // Dispatch on the first character so the common records (logfmt `t`, JSON `{`) run no regex here.
    switch (c) {
      case 123 /* { */: {
        // A one-line JSON record ends with `}`: only an open one needs the bracket count.
        if (text.charCodeAt(text.length - 1) === 125) break;
        const j = jsonDepth(text, false);
        if (j.depth > 0) {
          mode = 'json';
          depth = j.depth;
          inString = j.inString;
        }
        break;
      }
      case 69 /* E */:
        if (text === 'Events:') mode = 'events';
        else if (text.startsWith('Error: ')) mode = 'rust';
        else if (text.startsWith('Error response from daemon: ')) mode = 'client';
        break;
      case 95 /* _ */:
        if (text.startsWith('__CURSOR=')) mode = 'export';
        break;
      case 116 /* t */:
        if (text.startsWith("thread '") && RUST_START.test(text)) mode = 'rust';
        break;
      case 112 /* p */:
      case 102 /* f */:
      case 103 /* g */:
        if (PANIC_START.test(text)) mode = 'panic';
        else if (c === 112 && CLIENT_START.test(text)) mode = 'client';
        break;
      case 99 /* c */:
      case 100 /* d */:
      case 107 /* k */:
      case 110 /* n */:
        if (CLIENT_START.test(text)) mode = 'client';
        break;
      default:
        if (c >= 48 && c <= 57 && FLUENTD_HEADER.test(text)) mode = 'fluentd';
    }
    return {
      peeled: p, text, raw: [line], lineNumber, split: false, repaired: '',
      mode, bytes: line.length, depth, inString, blanks: 0,
    };
  }

  private apply(e: Pending, step: Step, line: string): void {
    e.raw.push(line);
    e.bytes += line.length;
    e.mode = step.mode;
    e.depth = step.depth;
    e.inString = step.inString;
    if (step.repaired !== '' && e.repaired === '') e.repaired = step.repaired;
    if (step.payload === null) {
      if (e.mode === 'rust') e.blanks++;
      return;
    }
    const blanks = e.blanks > 0 ? '\n'.repeat(e.blanks) : '';
    e.blanks = 0;
    e.text += step.separator + blanks + step.payload;
  }

  /** How `line` continues `e`, or null when it starts a record of its own. Changes nothing. */
  private continues(e: Pending, p: Peeled, line: string): Step | null {
    const s = p.payload;
    const sameWriter = p.envelopes.length === 0 || isSameWriter(p, e.peeled);
    switch (e.mode) {
      case 'done':
        return null;
      case 'json': {
        if (!sameWriter || startsRecord(s)) return null;
        const j = jsonDepth(s, e.inString);
        const depth = e.depth + j.depth;
        return { payload: s, separator: '\n', mode: depth <= 0 ? 'done' : 'json', depth, inString: j.inString, repaired: '' };
      }
      case 'fluentd': {
        if (s.charCodeAt(0) !== 123) return null;
        const j = jsonDepth(s, false);
        return { payload: s, separator: '\n', mode: j.depth > 0 ? 'json' : 'done', depth: j.depth, inString: j.inString, repaired: '' };
      }
      case 'export':
        // A blank line ends the entry and belongs to it.
        return line === '' ? this.step(e, null, 'done') : this.step(e, line);
      case 'panic':
        if (!isSameWriter(p, e.peeled)) return null;
        if (startsRecord(s) && !GOROUTINE.test(s)) return null;
        return this.step(e, s);
      case 'events':
        if (!sameWriter || !/^\s/.test(s) || s.trim() === '') return null;
        return this.step(e, s);
      case 'client':
        if (!sameWriter || (startsRecord(s) && !s.startsWith('qemu-'))) return null;
        return this.step(e, s, /^: \w+\.?$/.test(s) ? 'done' : 'client');
      case 'rust':
        if (!sameWriter) return null;
        if (isBlankText(s)) return e.blanks < 2 ? this.step(e, null) : null;
        if (RUST_CONTINUATION.test(s)) return this.step(e, s);
        // Since Rust 1.73 the panic message is on the line after `panicked at <file>:<line>:<col>:`.
        if (e.raw.length === 1 && e.text.charCodeAt(0) === 116 && e.text.endsWith(':') && !startsRecord(s)) return this.step(e, s);
        return null;
      case 'single':
        return this.continuesSingle(e, p, s, line, sameWriter);
    }
  }

  private step(e: Pending, payload: string | null, mode: Mode = e.mode, separator = '\n', repaired = ''): Step {
    return { payload, separator, mode, depth: e.depth, inString: e.inString, repaired };
  }

  private continuesSingle(e: Pending, p: Peeled, s: string, line: string, sameWriter: boolean): Step | null {
    const c = s.charCodeAt(0);
    if (p.envelopes.length === 0) {
      // Kata 1.x Jenkins capture: a raw newline ended the relayed agent msg (`"` then ` name=kata-proxy ...`).
      if (c === 34 && PROXY_TAIL.test(s)) return this.step(e, s, 'single', '\n', 'raw newline inside a quoted value joined');
      if (e.peeled.envelopes.length > 0) {
        if (c === 32) {
          const indent = journalIndent(e, line);
          if (indent > 0) return this.step(e, line.slice(indent));
        }
        // A terminal hard-wrap: an un-prefixed fragment after a long journal line.
        if (e.raw.length < 16 && s !== '' && !startsRecord(s) && endsMidToken(e.text)) {
          return this.step(e, s, 'single', '', 'terminal hard-wrap joined');
        }
      }
    }
    if (sameWriter && (c === 67 /* C */ || c === 115 /* s */ || c === 32 || c === 9) && RUST_CONTINUATION.test(s)) {
      if (s.startsWith('Caused by:')) return this.step(e, s, 'rust');
      if (e.text.indexOf('\n') >= 0 || e.text.indexOf('Caused by') >= 0 || e.text.indexOf('backtrace') >= 0) return this.step(e, s);
    }
    return null;
  }
}
