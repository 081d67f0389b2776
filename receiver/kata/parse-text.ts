/**
 * Convenience for whole texts (tests, small inputs): split, recombine, parse.
 * Streaming callers use LineSplitter + Recombiner + KataParser directly.
 */
import type { LogRecord } from '../../pdata/log-record';
import { nowNanos } from '../../pdata/time';
import type { ParserOptions } from './parser';
import { KataParser } from './parser';
import type { Entry, RecombinerOptions } from './recombine';
import { Recombiner } from './recombine';

export interface ParseTextOptions extends ParserOptions, RecombinerOptions {
  observedTimeUnixNano?: string;
}

/** Entries whose text is empty are blank lines: they carry nothing and make no record. */
export function isBlank(entry: Entry): boolean {
  return entry.raw.length === 1 && entry.peeled.envelopes.length === 0 && entry.text.trim() === '';
}

export function parseText(text: string, opts: ParseTextOptions = {}): LogRecord[] {
  const parser = new KataParser(opts);
  const recombiner = new Recombiner(opts);
  const observed = opts.observedTimeUnixNano ?? nowNanos();
  const out: LogRecord[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const take = (e: Entry | undefined): void => {
    if (e !== undefined && !isBlank(e)) out.push(parser.parse(e, observed));
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    take(recombiner.push(line, i + 1));
  }
  take(recombiner.flush());
  return out;
}
