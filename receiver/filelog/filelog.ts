/**
 * The `filelog` receiver: follows the files matching `include` (minus `exclude`), through
 * rename and copytruncate rotation, and hands their lines on as raw records (one record
 * per logical record: the Kata recombiner joins Go panics and the like), checkpointing
 * offsets only after the next stage accepted the records before them.
 *
 * One sequential loop does everything (find files, read, deliver, checkpoint), so reading
 * stops while a batch is being delivered: when the next stage refuses (its queue is
 * full), the loop retries the same batch with backoff and reads nothing meanwhile. The
 * files themselves are the buffer.
 *
 * File identity follows the Collector's fileconsumer: a file is its fingerprint (its
 * first `fingerprint_size` bytes), with dev/inode as a hint. Each poll:
 *  1. a path whose dev/inode is a file we follow, whose head still starts with that
 *     file's fingerprint and which is not shorter than what we read, is that file (a
 *     rename within the patterns just changes its path);
 *  2. a path with another inode whose head matches a followed file that no path matched
 *     in step 1 is that file's copy (copytruncate's copy, or a rename that replaced it):
 *     reading goes on in the copy at the same offset, so lines written before the copy
 *     and not yet read are not lost;
 *  3. a followed file whose inode is still in the patterns but shrank or whose head
 *     changed was truncated (copytruncate): the record it holds is sent, and the path is
 *     read again from offset 0 as a new file;
 *  4. a followed file no path matches was renamed out of the patterns or deleted: it is
 *     read to its end through the open handle, before the files that replaced it, and
 *     closed after `rotate_wait` without growth;
 *  5. any other path is a new file: it resumes from the checkpoint when its head matches a
 *     saved fingerprint, else starts at `start_at` (first start only) or at 0. A path whose
 *     head is compatible with a followed file's is the same content seen twice (a copy not
 *     yet needed) and is not read.
 * The loss cases are the Collector's: lines written between the last read and a truncate
 * whose copy lands outside the patterns, and the unread end of a file renamed out of the
 * patterns while kata-otel was not running.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import fg from 'fast-glob';
import type { Component, Host } from '../../component/component';
import type { CreateSettings } from '../../component/factory';
import { formatComponentId } from '../../component/component';
import type { LogsConsumer } from '../../consumer/consumer';
import type { Attributes, LogRecord } from '../../pdata/log-record';
import { nowNanos } from '../../pdata/time';
import { K } from '../kata/keys';
import type { Entry } from '../kata/recombine';
import { CheckpointStore } from '../helper/checkpoint-store';
import { deliver, DeliveryAborted, sleep } from '../helper/delivery';
import { ReceiverMetrics } from '../helper/metrics';
import { rawRecord, staticResource } from '../helper/raw-record';
import type { FilelogConfig } from './config';
import type { Position, SavedFile } from './tracked-file';
import { compatible, isPrefix, TrackedFile } from './tracked-file';

export interface FilelogCheckpoint {
  files: SavedFile[];
}

interface Candidate {
  path: string;
  fh: FileHandle;
  dev: number;
  ino: number;
  size: number;
  fp: Buffer;
}

const MIN_READ = 256 * 1024;
/** Checkpoint writes while reading are at least this far apart (see saveCheckpoint). */
const CHECKPOINT_INTERVAL_MS = 200;

/** How far back from `end` a cut must move so it does not split a UTF-8 sequence. */
function utf8Cut(buf: Buffer, start: number, end: number): number {
  let cut = end;
  for (let back = 0; back < 3 && cut > start + 1 && (buf[cut]! & 0xc0) === 0x80; back++) cut--;
  return (buf[cut]! & 0xc0) === 0x80 ? end : cut;
}

function isBlankEntry(e: Entry): boolean {
  for (const line of e.raw) if (line.trim() !== '') return false;
  return true;
}

export class FilelogReceiver implements Component {
  readonly metrics: ReceiverMetrics;
  private readonly store: CheckpointStore<FilelogCheckpoint>;
  private readonly encoding: BufferEncoding;
  private readonly resource;
  private readonly abort = new AbortController();
  private tracked: TrackedFile[] = [];
  /** Saved states not yet matched to a file (from the checkpoint at start). */
  private restore: Array<{ fp: Buffer; offset: number; line: number }> = [];
  private hadCheckpoint = false;
  private firstPoll = true;
  private batch: LogRecord[] = [];
  private buf: Buffer;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private lastSaved = '';
  private lastSaveAt = 0;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private readonly warnedPaths = new Set<string>();
  private backpressured = false;
  private observed = '0';

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: FilelogConfig,
    private readonly next: LogsConsumer,
  ) {
    this.metrics = new ReceiverMetrics(settings.telemetry, formatComponentId(settings.id));
    this.store = new CheckpointStore(settings.storageDir, settings.id);
    this.encoding = config.encoding === 'utf-8' || config.encoding === 'utf8' ? 'utf8' : config.encoding === 'ascii' ? 'ascii' : 'latin1';
    this.resource = staticResource(config.resource);
    this.buf = Buffer.allocUnsafe(Math.max(MIN_READ, config.max_log_size + 1));
  }

  async start(host: Host): Promise<void> {
    const saved = await this.store.load((err, movedTo) => {
      this.metrics.logger.warn('filelog checkpoint unreadable; starting without it', { receiver: this.metrics.receiver, error: err.message, moved_to: movedTo });
    });
    if (saved !== undefined) {
      this.hadCheckpoint = true;
      this.restore = (saved.files ?? []).map((f) => ({ fp: Buffer.from(f.fp, 'base64'), offset: f.offset, line: f.line }));
    }
    this.loop = this.run().catch((err: unknown) => {
      if (err instanceof DeliveryAborted || this.stopped) return;
      host.reportFatalError(err as Error);
    });
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    // The loop ends at its next check; an in-flight consumeLogs is given time to settle, so
    // what it accepted is checkpointed rather than read again.
    if (this.loop !== undefined) {
      const deadline = new AbortController();
      await Promise.race([this.loop, sleep(5000, deadline.signal)]);
      deadline.abort();
    }
    if (this.loop === undefined) return; // never started: nothing to save
    try {
      await this.saveCheckpoint(true);
      await this.store.flush();
    } catch (err) {
      this.metrics.logger.error('filelog checkpoint not saved at shutdown', { receiver: this.metrics.receiver, error: (err as Error).message });
    }
    for (const f of this.tracked) await f.fh.close().catch(() => undefined);
    this.tracked = [];
  }

  /** Files followed now, for tests and diagnostics. */
  files(): Array<{ path: string; ino: number; offset: number; committed: number }> {
    return this.tracked.map((f) => ({ path: f.path, ino: f.ino, offset: f.readOffset, committed: f.committed.offset }));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.poll();
      if (this.stopped) break;
      await sleep(this.config.poll_interval, this.abort.signal);
    }
  }

  /** Completed poll cycles (for tests and diagnostics). */
  polls = 0;

  /** One cycle: find files, match them, read everything new, deliver, checkpoint. */
  async poll(): Promise<void> {
    await this.pollOnce();
    this.polls++;
  }

  private async pollOnce(): Promise<void> {
    const candidates = await this.discover();
    const now = Date.now();
    const matched = new Set<TrackedFile>();
    const truncated = new Set<TrackedFile>();
    const fresh: Candidate[] = [];

    // 1. Same inode, same head, not shorter: the same file (perhaps renamed within the patterns).
    for (const c of candidates) {
      const f = this.tracked.find((t) => !matched.has(t) && t.dev === c.dev && t.ino === c.ino);
      if (f !== undefined && isPrefix(f.fp, c.fp) && c.size >= f.readOffset) {
        matched.add(f);
        if (f.path !== c.path) this.metrics.event('renames');
        f.path = c.path;
        if (c.fp.length > f.fp.length) f.fp = c.fp;
        if (f.orphanSince !== undefined) f.orphanSince = undefined;
        await c.fh.close().catch(() => undefined);
      } else {
        if (f !== undefined) truncated.add(f);
        fresh.push(c);
      }
    }
    // 2. Another inode with the head of a file no path matched: its copy; go on reading there.
    const rest: Candidate[] = [];
    for (const c of fresh) {
      const f = this.tracked.find(
        (t) => !matched.has(t) && !(t.dev === c.dev && t.ino === c.ino) && isPrefix(t.fp, c.fp) && c.size >= t.readOffset,
      );
      if (f !== undefined) {
        matched.add(f);
        truncated.delete(f);
        this.metrics.event('copies_followed');
        await f.fh.close().catch(() => undefined);
        f.fh = c.fh;
        f.dev = c.dev;
        f.ino = c.ino;
        f.path = c.path;
        f.orphanSince = undefined;
        if (c.fp.length > f.fp.length) f.fp = c.fp;
      } else {
        rest.push(c);
      }
    }
    // 3. Truncated in place: send what it holds, forget it; its path is new content.
    for (const f of truncated) {
      if (matched.has(f)) continue;
      this.metrics.event('truncations');
      this.flushFile(f);
      await this.retire(f);
    }
    // 4. No longer matched: renamed out of the patterns or deleted; drained through the handle.
    for (const f of this.tracked) {
      if (!matched.has(f) && f.orphanSince === undefined) {
        f.orphanSince = now;
        this.metrics.event('rotations');
      }
    }
    // 5. New files.
    for (const c of rest) {
      if (c.size === 0) {
        // A followed file truncated to nothing (step 3 retired it): new once it has content.
        await c.fh.close().catch(() => undefined);
        continue;
      }
      if (this.tracked.some((t) => compatible(t.fp, c.fp))) {
        // The same content under a second name (a copy we do not need yet, or a hard link).
        await c.fh.close().catch(() => undefined);
        continue;
      }
      if (this.tracked.length >= this.config.max_concurrent_files) {
        this.metrics.event('files_deferred');
        await c.fh.close().catch(() => undefined);
        continue;
      }
      let start: Position = { offset: 0, line: 0 };
      const r = this.restore.findIndex((s) => isPrefix(s.fp, c.fp) && c.size >= s.offset);
      if (r >= 0) {
        start = { offset: this.restore[r]!.offset, line: this.restore[r]!.line };
        this.restore.splice(r, 1);
        this.metrics.event('files_resumed');
      } else if (this.firstPoll && !this.hadCheckpoint && this.config.start_at === 'end') {
        start = { offset: c.size, line: -1 };
      }
      const f = new TrackedFile(c.path, c.fh, c.dev, c.ino, c.fp, start.offset, start.line, {
        enabled: this.config.multiline.enabled,
        maxLines: this.config.multiline.max_lines,
        maxBytes: this.config.max_log_size,
      });
      this.tracked.push(f);
      this.metrics.event('files_opened');
    }
    if (this.firstPoll) {
      // Saved states no file matched at start belong to files gone while we were down.
      this.restore = [];
      this.firstPoll = false;
    }

    // Read: files rotated away first (their lines precede those of their replacements).
    const order = [...this.tracked.filter((f) => f.orphanSince !== undefined), ...this.tracked.filter((f) => f.orphanSince === undefined)];
    for (const f of order) {
      if (this.stopped) return;
      await this.readFile(f);
      const quietFor = Date.now() - f.lastGrowthAt;
      if (f.orphanSince !== undefined) {
        if (quietFor >= this.config.rotate_wait && Date.now() - f.orphanSince >= this.config.rotate_wait) {
          await this.flushTail(f);
          this.flushFile(f);
          await this.retire(f);
        }
      } else if (quietFor >= this.config.force_flush_period) {
        await this.flushTail(f);
        this.flushFile(f);
      }
      if (this.batch.length >= this.config.max_batch) await this.sendBatch();
    }
    await this.sendBatch();
  }

  /** Paths matching the patterns, opened, with their stat and head. */
  private async discover(): Promise<Candidate[]> {
    let paths: string[];
    try {
      paths = await fg(this.config.include, {
        ignore: this.config.exclude,
        absolute: true,
        onlyFiles: true,
        followSymbolicLinks: true,
        suppressErrors: true,
        dot: true,
        unique: true,
      });
    } catch (err) {
      this.warnOnce('glob', 'filelog could not list files', { error: (err as Error).message });
      return [];
    }
    paths.sort();
    const out: Candidate[] = [];
    const seenInodes = new Set<string>();
    for (const path of paths) {
      let fh: FileHandle | undefined;
      try {
        fh = await fsp.open(path, 'r');
        const st = await fh.stat();
        const key = `${st.dev}:${st.ino}`;
        // Empty files have no identity yet, except one we follow: it was truncated (seen
        // between a truncate and the next write). Left out, it would count as gone and be
        // drained through its handle from the old offset once written again, then read once
        // more from the start as new content: the lines after the old offset twice.
        const truncatedToEmpty = st.size === 0 && this.tracked.some((t) => t.dev === st.dev && t.ino === st.ino);
        if (!st.isFile() || (st.size === 0 && !truncatedToEmpty) || seenInodes.has(key)) {
          // A second path to the same inode is a link.
          await fh.close();
          continue;
        }
        seenInodes.add(key);
        const len = Math.min(this.config.fingerprint_size, st.size);
        const fp = Buffer.alloc(len);
        const { bytesRead } = await fh.read(fp, 0, len, 0);
        out.push({ path, fh, dev: st.dev, ino: st.ino, size: st.size, fp: fp.subarray(0, bytesRead) });
      } catch (err) {
        if (fh !== undefined) await fh.close().catch(() => undefined);
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') {
          this.metrics.event('open_errors');
          this.warnOnce(path, 'filelog could not open a file', { path, error: (err as Error).message });
        }
      }
    }
    return out;
  }

  /** Reads `f` from its offset to its current end. */
  private async readFile(f: TrackedFile): Promise<void> {
    const max = this.config.max_log_size;
    const buf = this.buf;
    for (;;) {
      if (this.stopped) return;
      let bytesRead: number;
      try {
        ({ bytesRead } = await f.fh.read(buf, 0, buf.length, f.readOffset));
      } catch (err) {
        this.metrics.event('read_errors');
        this.warnOnce(`read:${f.path}`, 'filelog read failed', { path: f.path, error: (err as Error).message });
        return;
      }
      if (bytesRead === 0) {
        f.partialTail = false;
        return;
      }
      if (f.readOffset + bytesRead > f.knownEnd) {
        f.knownEnd = f.readOffset + bytesRead;
        f.lastGrowthAt = Date.now();
      }
      this.observed = nowNanos();
      const base = f.readOffset;
      const view = buf.subarray(0, bytesRead);
      let pos = 0;
      for (;;) {
        const nl = view.indexOf(10, pos);
        // A line longer than max_log_size: cut pieces off it (the line goes on in the next one).
        for (const end = nl < 0 ? bytesRead : nl; end - pos > max; ) {
          const cut = utf8Cut(buf, pos, pos + max);
          await this.takePiece(f, buf, pos, cut, base);
          pos = cut;
        }
        if (nl < 0) break;
        await this.takeLine(f, buf, pos, nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl, base + nl + 1);
        pos = nl + 1;
      }
      const eof = bytesRead < buf.length;
      f.partialTail = eof && pos < bytesRead;
      if (eof) return;
    }
  }

  /**
   * A physical line: its text is [start, end) of `buf` (newline and CR removed), and the
   * next line begins at file offset `nextOffset`; it began at `f.readOffset`.
   */
  private async takeLine(f: TrackedFile, buf: Buffer, start: number, end: number, nextOffset: number): Promise<void> {
    const text = buf.toString(this.encoding, start, end);
    const lineStart = f.readOffset;
    const lineNo = f.lineNumber >= 0 ? f.lineNumber + 1 : 0;
    if (f.inCutLine) {
      // The last piece of a line cut at max_log_size.
      f.inCutLine = false;
      this.emitRecord(f, text, lineNo, true);
    } else if (f.recombiner === undefined) {
      this.emitRecord(f, text, lineNo, false);
    } else {
      const done = f.recombiner.push(text, lineNo);
      if (done !== undefined) this.emitEntry(f, done);
      if (done !== undefined || f.pendingStart === undefined) f.pendingStart = { offset: lineStart, line: f.lineNumber };
    }
    f.readOffset = nextOffset;
    if (f.lineNumber >= 0) f.lineNumber++;
    if (this.batch.length >= this.config.max_batch) await this.sendBatch();
  }

  /** A piece [start, end) of a line longer than max_log_size. */
  private async takePiece(f: TrackedFile, buf: Buffer, start: number, end: number, base: number): Promise<void> {
    this.flushFile(f);
    f.inCutLine = true;
    this.metrics.event('lines_cut');
    this.emitRecord(f, buf.toString(this.encoding, start, end), f.lineNumber >= 0 ? f.lineNumber + 1 : 0, true);
    f.readOffset = base + end;
    if (this.batch.length >= this.config.max_batch) await this.sendBatch();
  }

  /** Sends the held record of `f`, if any. */
  private flushFile(f: TrackedFile): void {
    const done = f.recombiner?.flush();
    if (done !== undefined) this.emitEntry(f, done);
    f.pendingStart = undefined;
  }

  /** A last line without its newline, quiet for force_flush_period (or its file is done): take it as it is. */
  private async flushTail(f: TrackedFile): Promise<void> {
    if (!f.partialTail) return;
    const len = Math.min(f.knownEnd - f.readOffset, this.config.max_log_size);
    if (len <= 0) return;
    const { bytesRead } = await f.fh.read(this.buf, 0, len, f.readOffset);
    if (bytesRead <= 0) return;
    f.partialTail = false;
    await this.takeLine(f, this.buf, 0, bytesRead, f.readOffset + bytesRead);
    this.metrics.event('partial_lines_flushed');
  }

  private emitEntry(f: TrackedFile, e: Entry): void {
    if (isBlankEntry(e)) return;
    // The physical lines as read: the kata_parser processor recombines and parses them.
    this.emitRecord(f, e.raw.length === 1 ? e.raw[0]! : e.raw.join('\n'), e.lineNumber, false);
  }

  private emitRecord(f: TrackedFile, body: string, lineNo: number, cut: boolean): void {
    if (!cut && body.trim() === '') return;
    const attrs: Attributes = {};
    if (this.config.include_file_path) attrs[K.LOG_FILE_PATH] = f.path;
    if (lineNo > 0) attrs[K.LOG_LINE_NUMBER] = lineNo;
    if (cut) {
      attrs[K.PARSE_STATUS] = 'partial';
      attrs[K.PARSE_ERROR] = `line longer than max_log_size (${this.config.max_log_size} bytes) cut into pieces`;
    }
    this.batch.push(rawRecord(body, this.observed, attrs, this.resource));
  }

  private async retire(f: TrackedFile): Promise<void> {
    this.tracked = this.tracked.filter((t) => t !== f);
    await f.fh.close().catch(() => undefined);
    this.metrics.event('files_closed');
  }

  /** Delivers the batch, then commits every file's safe position and saves the checkpoint. */
  private async sendBatch(): Promise<void> {
    const snapshot = this.tracked.map((f) => ({ f, pos: f.safe() }));
    if (this.batch.length > 0) {
      const records = this.batch;
      this.batch = [];
      try {
        await deliver(this.next, records, {
          signal: this.abort.signal,
          metrics: this.metrics,
          onBackpressure: (err) => {
            this.backpressured = true;
            this.metrics.logger.warn('filelog paused: the next stage refuses records; retrying', { receiver: this.metrics.receiver, error: (err as Error)?.message });
          },
          onRecovered: () => {
            this.backpressured = false;
            this.metrics.logger.info('filelog resumed', { receiver: this.metrics.receiver });
          },
        });
      } catch (err) {
        // Not accepted: keep nothing committed past it; a restart reads it again.
        this.batch = records.concat(this.batch);
        throw err;
      }
    }
    for (const { f, pos } of snapshot) f.committed = pos;
    await this.saveCheckpoint();
  }

  /** True while the next stage is refusing and reading is paused. */
  get paused(): boolean {
    return this.backpressured;
  }

  /**
   * Writes the committed positions, at most every CHECKPOINT_INTERVAL_MS while reading (a
   * write costs two fsyncs; at full speed one per batch was ~5% of the CPU): the latest
   * state is written when the interval is over, and at once at shutdown. A crash repeats
   * at most the records of that interval (at-least-once); none is lost, since only
   * accepted positions are ever saved.
   */
  private saveCheckpoint(now = false): Promise<void> {
    if (this.checkpointTimer !== undefined) {
      if (!now) return Promise.resolve();
      clearTimeout(this.checkpointTimer);
      this.checkpointTimer = undefined;
    }
    const state: FilelogCheckpoint = { files: this.tracked.map((f) => f.saved()) };
    const text = JSON.stringify(state);
    if (text === this.lastSaved) return Promise.resolve();
    const wait = this.lastSaveAt + CHECKPOINT_INTERVAL_MS - Date.now();
    if (!now && wait > 0) {
      this.checkpointTimer = setTimeout(() => {
        this.checkpointTimer = undefined;
        if (!this.stopped) void this.saveCheckpoint();
      }, wait);
      return Promise.resolve();
    }
    this.lastSaved = text;
    this.lastSaveAt = Date.now();
    // Not awaited by the loop: at most one write runs, later states replace queued ones.
    const p = this.store.save(state);
    p.catch(() => undefined);
    return Promise.resolve();
  }

  private warnOnce(key: string, msg: string, fields: Record<string, unknown>): void {
    if (this.warnedPaths.has(key)) return;
    if (this.warnedPaths.size < 10_000) this.warnedPaths.add(key);
    this.metrics.logger.warn(msg, { receiver: this.metrics.receiver, ...fields });
  }
}
