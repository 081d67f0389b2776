/**
 * One followed file: its open handle (kept across renames, so a file rotated away is read
 * to its end through it), its identity (fingerprint = the first bytes, plus dev/inode as a
 * hint), how far it has been read, and the multi-line record it holds.
 *
 * Positions: `readOffset` is the end of the last physical line taken in; `safe()` is the
 * position a restart may resume from without losing or repeating a record (the start of
 * the record the recombiner still holds, else `readOffset`); `committed` is the last
 * safe position whose records the next stage accepted.
 */
import type { FileHandle } from 'node:fs/promises';
import { Recombiner } from '../kata/recombine';

export interface Position {
  offset: number;
  /** Physical lines before `offset`; -1 when unknown (start_at: end skipped them uncounted). */
  line: number;
}

/** What the checkpoint keeps per file. */
export interface SavedFile {
  /** First bytes of the file, base64. */
  fp: string;
  offset: number;
  line: number;
  /** Informational: where the file was when saved. */
  path: string;
}

export function isPrefix(prefix: Buffer, of: Buffer): boolean {
  return prefix.length <= of.length && of.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Fingerprints of the same file read at different sizes: one is a prefix of the other. */
export function compatible(a: Buffer, b: Buffer): boolean {
  return a.length <= b.length ? isPrefix(a, b) : isPrefix(b, a);
}

let nextId = 1;

export class TrackedFile {
  readonly id = nextId++;
  /** The file's bytes past readOffset end without a newline (a line still being written). */
  partialTail = false;
  /** End of the data seen so far (for growth detection). */
  knownEnd: number;
  /** When the file last grew, ms (Date.now). */
  lastGrowthAt: number;
  /** Set when no include pattern matches the file any more (renamed away or deleted). */
  orphanSince: number | undefined;
  /** Start of the record the recombiner holds. */
  pendingStart: Position | undefined;
  /** The last piece was cut from a line longer than max_log_size and that line has not ended yet. */
  inCutLine = false;
  committed: Position;
  readonly recombiner: Recombiner | undefined;

  constructor(
    public path: string,
    public fh: FileHandle,
    public dev: number,
    public ino: number,
    public fp: Buffer,
    public readOffset: number,
    public lineNumber: number,
    multiline: { enabled: boolean; maxLines: number; maxBytes: number },
  ) {
    this.knownEnd = readOffset;
    this.lastGrowthAt = Date.now();
    this.committed = { offset: readOffset, line: lineNumber };
    this.recombiner = multiline.enabled ? new Recombiner({ maxLines: multiline.maxLines, maxBytes: multiline.maxBytes }) : undefined;
  }

  safe(): Position {
    return this.pendingStart ?? { offset: this.readOffset, line: this.lineNumber };
  }

  saved(): SavedFile {
    return { fp: this.fp.toString('base64'), offset: this.committed.offset, line: this.committed.line, path: this.path };
  }
}
