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
import { peel } from './envelope';

export interface Entry {
  peeled: Peeled;
  /** Payload text, joined across lines. */
  text: string;
  /** The physical lines exactly as read. */
  raw: string[];
  /** 1-based line number of the first physical line. */
  lineNumber: number;
  /** True when the size bound cut this record off from what followed. */
  split: boolean;
}

export interface RecombinerOptions {
  maxLines?: number;
  maxBytes?: number;
  refMillis?: number;
}

type Mode = 'single' | 'json' | 'fluentd' | 'export' | 'panic' | 'events' | 'client' | 'done';

interface Pending extends Entry {
  mode: Mode;
  bytes: number;
  depth: number;
}

const PANIC_START = /^(?:panic: |fatal error: |goroutine \d{1,12} \[)/;
const CLIENT_START = /^(?:ctr|docker|crictl|nerdctl|podman|kubectl): |^Error response from daemon: /;
const FLUENTD_HEADER = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9} [+-]\d{4} [\w.-]{1,128}:$/;
const RUST_CONTINUATION = /^(?:Caused by:|stack backtrace:|\s+\d{1,4}: |\s+at )/;
const PROXY_TAIL = /^"\s+[A-Za-z_][\w.-]{0,64}=/;

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
    case 103 /* g */: return /^goroutine \d/.test(s);
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

export class Recombiner {
  private pending: Pending | undefined;
  private inString = false;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly refMillis: number;

  constructor(opts: RecombinerOptions = {}) {
    this.maxLines = opts.maxLines ?? 1000;
    this.maxBytes = opts.maxBytes ?? 1 << 20;
    this.refMillis = opts.refMillis ?? Date.now();
  }

  /** Feeds one physical line; returns the record it completed, if any. */
  push(line: string, lineNumber: number): Entry | undefined {
    const p = peel(line, this.refMillis);
    const pending = this.pending;
    if (pending !== undefined) {
      if (pending.raw.length >= this.maxLines || pending.bytes + line.length > this.maxBytes) {
        if (this.continues(pending, p, line)) {
          this.pending = this.start(p, line, lineNumber);
          this.pending.split = true;
          pending.split = true;
          return pending;
        }
      } else if (this.continues(pending, p, line)) {
        return undefined;
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
    const c = text.charCodeAt(0);
    if (c === 123 /* { */) {
      const j = jsonDepth(text, false);
      if (j.depth > 0) {
        mode = 'json';
        depth = j.depth;
        this.inString = j.inString;
      }
    } else if (c === 112 || c === 102 || c === 103) {
      if (PANIC_START.test(text)) mode = 'panic';
    } else if (text === 'Events:') {
      mode = 'events';
    } else if (text.startsWith('__CURSOR=')) {
      mode = 'export';
    } else if (c >= 48 && c <= 57 && FLUENTD_HEADER.test(text)) {
      mode = 'fluentd';
    } else if (CLIENT_START.test(text)) {
      mode = 'client';
    }
    return { peeled: p, text, raw: [line], lineNumber, split: false, mode, bytes: line.length, depth };
  }

  private append(e: Pending, line: string, payload: string, separator: string): true {
    e.text += separator + payload;
    e.raw.push(line);
    e.bytes += line.length;
    return true;
  }

  private continues(e: Pending, p: Peeled, line: string): boolean {
    const s = p.payload;
    const sameWriter = p.envelopes.length === 0 || p.stream === e.peeled.stream;
    switch (e.mode) {
      case 'done':
        return false;
      case 'json': {
        if (!sameWriter || startsRecord(s)) return false;
        const j = jsonDepth(s, this.inString);
        e.depth += j.depth;
        this.inString = j.inString;
        if (e.depth <= 0) e.mode = 'done';
        return this.append(e, line, s, '\n');
      }
      case 'fluentd': {
        if (!s.startsWith('{')) return false;
        const j = jsonDepth(s, false);
        e.depth = j.depth;
        this.inString = j.inString;
        e.mode = j.depth > 0 ? 'json' : 'done';
        return this.append(e, line, s, '\n');
      }
      case 'export':
        if (line === '') {
          e.mode = 'done';
          e.raw.push(line);
          return true;
        }
        return this.append(e, line, line, '\n');
      case 'panic':
        if (p.stream !== e.peeled.stream) return false;
        if (startsRecord(s) && !/^goroutine \d/.test(s)) return false;
        return this.append(e, line, s, '\n');
      case 'events':
        if (!sameWriter || !/^\s/.test(s) || s.trim() === '') return false;
        return this.append(e, line, s, '\n');
      case 'client':
        if (!sameWriter || (startsRecord(s) && !s.startsWith('qemu-'))) return false;
        if (/^: \w+\.?$/.test(s)) e.mode = 'done';
        return this.append(e, line, s, '\n');
      case 'single':
        if (p.envelopes.length === 0) {
          if (PROXY_TAIL.test(s)) return this.append(e, line, s, '\n');
          // A terminal hard-wrap: an un-prefixed fragment after a long journal line.
          if (e.peeled.envelopes.length > 0 && e.raw.length < 16 && s !== '' && !startsRecord(s) && endsMidToken(e.text)) {
            return this.append(e, line, s, '');
          }
        }
        if (sameWriter && RUST_CONTINUATION.test(s) && (s.startsWith('Caused by:') || e.text.indexOf('\n') >= 0 || /Caused by|backtrace/.test(e.text))) {
          return this.append(e, line, s, '\n');
        }
        return false;
    }
  }
}
