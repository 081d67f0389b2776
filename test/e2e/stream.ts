/**
 * The input side of the end-to-end tests: distinct Kata lines (the Go shim's logrus
 * logfmt, as it writes them to a file), a paced writer that appends them to a log file,
 * and the tally that says what of them reached the backend, how often and in what order.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ArrivedRecord } from './backend';
import { sleep } from './sidecar';

const SANDBOX = '5c7f2a9e1b3d4c6f8a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f';
const SUBSYSTEMS = ['sandbox', 'container', 'katautils', 'hypervisor', 'agent'];
const BASE_MS = Date.UTC(2025, 10, 20, 6, 0, 0);

/**
 * Line `seq` (1-based) of file `file`: a Go shim record whose message names both, so the
 * parsed record's body says which line it came from.
 */
export function kataLine(file: number, seq: number): string {
  const ms = BASE_MS + seq;
  const t = `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}${String(file).padStart(6, '0')}Z`;
  const level = seq % 50 === 0 ? 'warning' : seq % 7 === 0 ? 'debug' : 'info';
  return `time="${t}" level=${level} msg="e2e f${file} seq ${seq}" name=containerd-shim-v2 pid=${4200 + file} sandbox=${SANDBOX} source=virtcontainers subsystem=${SUBSYSTEMS[seq % SUBSYSTEMS.length]}`;
}

/** The body kata_parser makes of kataLine(file, seq). */
const BODY = /^e2e f(\d+) seq (\d+)$/;

export interface WriterOptions {
  path: string;
  file: number;
  lines: number;
  /** Lines per write. */
  chunk: number;
  /** Pause between writes. */
  everyMs: number;
  /** First line number (for a writer that continues a file). */
  from?: number;
}

/** Appends kataLine(file, from..from+lines-1) to `path`, `chunk` lines per write() call. */
export class StreamWriter {
  written = 0;
  readonly done: Promise<void>;
  private stopped = false;

  constructor(readonly opts: WriterOptions) {
    this.done = this.run();
  }

  stop(): void {
    this.stopped = true;
  }

  private waiters: Array<() => void> = [];

  /** Resolves right after the next write() (or at once when the writer is done). */
  nextWrite(): Promise<void> {
    if (this.stopped || this.written >= this.opts.lines) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async run(): Promise<void> {
    const fd = openSync(this.opts.path, 'a');
    const from = this.opts.from ?? 1;
    try {
      while (this.written < this.opts.lines && !this.stopped) {
        const n = Math.min(this.opts.chunk, this.opts.lines - this.written);
        let text = '';
        for (let i = 0; i < n; i++) text += `${kataLine(this.opts.file, from + this.written + i)}\n`;
        // One write() per chunk, whole lines only: the reader never sees a torn line for long.
        writeSync(fd, text);
        this.written += n;
        for (const w of this.waiters.splice(0)) w();
        await sleep(this.opts.everyMs);
      }
    } finally {
      closeSync(fd);
      for (const w of this.waiters.splice(0)) w();
    }
  }
}

export interface Tally {
  /** Distinct lines that arrived, per file. */
  distinct: number;
  /** Arrivals beyond the first of a line. */
  duplicates: number;
  /** `f<file>:<seq>` of expected lines that never arrived (first 20). */
  missing: string[];
  missingCount: number;
  /** Bodies that are not ours. */
  foreign: string[];
  /** Per file, first arrivals come in line order. */
  inOrder: boolean;
  outOfOrder: string[];
  /** Records whose log.file.path or kata.log.line_number does not match the line. */
  misattributed: string[];
}

/** What of `expected` (file → line count) arrived in `records`. */
export function tally(records: readonly ArrivedRecord[], expected: ReadonlyMap<number, { path: string; lines: number }>): Tally {
  const seen = new Map<number, Uint16Array>();
  for (const [file, e] of expected) seen.set(file, new Uint16Array(e.lines + 1));
  const lastFirst = new Map<number, number>();
  const out: Tally = { distinct: 0, duplicates: 0, missing: [], missingCount: 0, foreign: [], inOrder: true, outOfOrder: [], misattributed: [] };
  for (const r of records) {
    const m = BODY.exec(r.body);
    const counts = m === null ? undefined : seen.get(Number(m[1]));
    const seq = m === null ? NaN : Number(m[2]);
    if (m === null || counts === undefined || !(seq >= 1 && seq < counts.length)) {
      if (out.foreign.length < 20) out.foreign.push(r.body.slice(0, 200));
      continue;
    }
    const file = Number(m[1]);
    const e = expected.get(file)!;
    if ((r.attributes['log.file.path'] !== e.path || r.attributes['kata.log.line_number'] !== seq) && out.misattributed.length < 20) {
      out.misattributed.push(`f${file}:${seq} path=${String(r.attributes['log.file.path'])} line=${String(r.attributes['kata.log.line_number'])}`);
    }
    if (counts[seq]! > 0) {
      out.duplicates++;
    } else {
      out.distinct++;
      const prev = lastFirst.get(file) ?? 0;
      if (seq < prev) {
        out.inOrder = false;
        if (out.outOfOrder.length < 20) out.outOfOrder.push(`f${file}: ${seq} after ${prev}`);
      }
      lastFirst.set(file, Math.max(prev, seq));
    }
    counts[seq] = Math.min(counts[seq]! + 1, 65535);
  }
  for (const [file, counts] of seen) {
    for (let i = 1; i < counts.length; i++) {
      if (counts[i] !== 0) continue;
      out.missingCount++;
      if (out.missing.length < 20) out.missing.push(`f${file}:${i}`);
    }
  }
  return out;
}
