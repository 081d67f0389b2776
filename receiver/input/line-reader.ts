/**
 * Splits a byte stream into lines without holding more than one chunk and one partial
 * line in memory. Lines longer than `maxLineLength` are cut into pieces (each piece is
 * reported, flagged as cut), so one hostile line cannot exhaust memory. Invalid UTF-8
 * decodes to U+FFFD rather than failing, so binary input still yields records.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export interface LineReaderOptions {
  /** Characters; default 1 MiB. */
  maxLineLength?: number;
}

export interface LineReaderStats {
  lines: number;
  bytes: number;
  /** Lines cut because they exceeded maxLineLength. */
  cutLines: number;
}

export type LineHandler = (line: string, lineNumber: number) => void;

export async function readLines(input: Readable, onLine: LineHandler, opts: LineReaderOptions = {}): Promise<LineReaderStats> {
  const max = opts.maxLineLength ?? 1 << 20;
  const decoder = new StringDecoder('utf8');
  const stats: LineReaderStats = { lines: 0, bytes: 0, cutLines: 0 };
  let carry = '';
  const emit = (line: string): void => {
    stats.lines++;
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, stats.lines);
  };
  for await (const chunk of input) {
    const buf = chunk as Buffer;
    stats.bytes += buf.length;
    const text = carry + decoder.write(buf);
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    carry = text.slice(start);
    while (carry.length > max) {
      stats.cutLines++;
      emit(carry.slice(0, max));
      carry = carry.slice(max);
    }
  }
  carry += decoder.end();
  if (carry !== '') emit(carry);
  return stats;
}
