/**
 * Splits a byte stream into lines without holding more than one chunk and one partial
 * line in memory. Lines longer than `maxLineLength` bytes are cut into pieces (each piece
 * is reported and counted as cut), so one hostile line cannot exhaust memory. Invalid
 * UTF-8 decodes to U+FFFD rather than failing, so binary input still yields records.
 *
 * Each line is decoded from its own bytes, not sliced out of a decoded chunk: V8 stores a
 * string as one byte per character only when all of it is Latin-1, so one CJK month name
 * or `…` in a 64 KiB chunk would make every line sliced from that chunk a two-byte
 * string, and every later search, regex and JSON.parse on it markedly slower.
 */
import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';

export interface LineReaderOptions {
  /** Bytes; default 1 MiB. */
  maxLineLength?: number;
}

export interface LineReaderStats {
  lines: number;
  bytes: number;
  /** Lines cut because they exceeded maxLineLength. */
  cutLines: number;
}

export type LineHandler = (line: string, lineNumber: number) => void;

/** ASCII takes the cheaper latin1 decoder; both give the same string for ASCII bytes. */
function decode(bytes: Buffer): string {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 13 /* \r */) end--;
  const b = end === bytes.length ? bytes : bytes.subarray(0, end);
  return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
}

export async function readLines(input: Readable, onLine: LineHandler, opts: LineReaderOptions = {}): Promise<LineReaderStats> {
  const max = opts.maxLineLength ?? 1 << 20;
  const stats: LineReaderStats = { lines: 0, bytes: 0, cutLines: 0 };
  /** Bytes of the line that started in an earlier chunk. */
  let carry: Buffer[] = [];
  let carryBytes = 0;
  const emit = (bytes: Buffer): void => {
    stats.lines++;
    onLine(decode(bytes), stats.lines);
  };
  for await (const chunk of input) {
    const buf = chunk as Buffer;
    stats.bytes += buf.length;
    let start = 0;
    let nl = buf.indexOf(10, 0);
    if (nl >= 0 && carryBytes > 0) {
      carry.push(buf.subarray(0, nl));
      emit(Buffer.concat(carry, carryBytes + nl));
      carry = [];
      carryBytes = 0;
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    while (nl >= 0) {
      emit(buf.subarray(start, nl));
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    if (start < buf.length) {
      // Copy: the stream may reuse the chunk's memory once we return.
      const rest = Buffer.from(buf.subarray(start));
      carry.push(rest);
      carryBytes += rest.length;
      while (carryBytes > max) {
        const all = Buffer.concat(carry, carryBytes);
        stats.cutLines++;
        emit(all.subarray(0, max));
        const tail = Buffer.from(all.subarray(max));
        carry = [tail];
        carryBytes = tail.length;
      }
    }
  }
  if (carryBytes > 0) emit(Buffer.concat(carry, carryBytes));
  return stats;
}
