/**
 * The `journald` receiver: runs `journalctl -o json --all --follow` with the configured
 * matches and hands each entry on as a raw record whose body is the entry's JSON line,
 * exactly as journalctl printed it.
 *
 * Why the whole entry and not MESSAGE alone: the kata_parser processor already reads
 * `journalctl -o json` entries (receiver/kata/formats/json.ts), and the entry carries
 * what the parse needs besides the text: the identifier (plain text under `kata` is
 * runtime-rs ≥ 3.20, under `containerd` it is the container manager), PRIORITY, the
 * journal time when the text has none, the boot id, and the Kata fields runtime-rs adds
 * through slog-journald. The same JSON from the Collector's journald receiver or from a
 * file then parses the same way. The receiver still sets the source attributes
 * (identifier, pid, cursor, unit, transport, host.name) so routing needs no parse.
 *
 * A record the journal split over several entries (a Go panic that containerd copied
 * line by line) is joined by the Kata recombiner, one recombiner per writer (identifier
 * and pid), and sent as one entry: the first entry's fields with the lines joined in
 * MESSAGE.
 *
 * Delivery and the cursor: one sequential loop reads, delivers (awaiting the next stage;
 * journalctl blocks on its pipe meanwhile) and then checkpoints the position up to which
 * every entry was delivered, suppressed as a twin, or skipped: after the last such entry
 * (`--after-cursor`), or at the oldest entry a recombiner still holds (`--cursor`).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Component, Host } from '../../component/component';
import { formatComponentId } from '../../component/component';
import { KataOtelError } from '../../component/errors';
import type { CreateSettings } from '../../component/factory';
import type { LogsConsumer } from '../../consumer/consumer';
import type { Attributes, LogRecord } from '../../pdata/log-record';
import { nowNanos } from '../../pdata/time';
import { K } from '../kata/keys';
import type { Entry } from '../kata/recombine';
import { Recombiner } from '../kata/recombine';
import { CheckpointStore } from '../helper/checkpoint-store';
import { deliver, DeliveryAborted, sleep } from '../helper/delivery';
import { ReceiverMetrics } from '../helper/metrics';
import { rawRecord, ResourceInterner, staticResource } from '../helper/raw-record';
import type { JournaldConfig } from './config';
import { TwinSuppressor } from './dedupe';
import { journalctlArgs, journalctlTailArgs, tailCursor } from './journalctl';
import type { StartPoint } from './journalctl';
import { EOF, LineQueue, TIMEOUT } from './line-queue';

const execFileAsync = promisify(execFile);

export interface JournaldCheckpoint {
  cursor: string;
  /** True: resume AT the cursor (a held record starts there); false: after it. */
  inclusive: boolean;
}

type Json = Record<string, unknown>;

/** One entry a recombiner holds. */
interface Held {
  line: string;
  obj: Json;
  cursor: string;
  seq: number;
}

interface Writer {
  recombiner: Recombiner;
  held: Held[];
  lastSeenAt: number;
}

/** A journal value as text: strings as they are, byte arrays decoded, a repeated field's first value. */
export function fieldText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) {
    if (typeof v[0] === 'number') return Buffer.from(v as number[]).toString('utf8');
    return fieldText(v[0]);
  }
  return undefined;
}

const MAX_WRITERS = 1024;

export class JournaldReceiver implements Component {
  readonly metrics: ReceiverMetrics;
  private readonly store: CheckpointStore<JournaldCheckpoint>;
  private readonly abort = new AbortController();
  private readonly resources: ResourceInterner;
  private readonly dedupe: TwinSuppressor | undefined;
  private readonly writers = new Map<string, Writer>();
  private batch: LogRecord[] = [];
  private seq = 0;
  /** Cursor of the last entry taken from journalctl. */
  private lastCursor: string | undefined;
  /** Where `start_at: end` resolved to, before anything was read. */
  private pinnedStart: StartPoint | undefined;
  private committed: JournaldCheckpoint | undefined;
  private lastSaved = '';
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private observed = '0';
  private readonly warned = new Set<string>();

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: JournaldConfig,
    private readonly next: LogsConsumer,
  ) {
    this.metrics = new ReceiverMetrics(settings.telemetry, formatComponentId(settings.id));
    this.store = new CheckpointStore(settings.storageDir, settings.id);
    this.resources = new ResourceInterner(staticResource(config.resource));
    if (config.dedupe.enabled) {
      this.dedupe = new TwinSuppressor({
        identifiers: config.dedupe.identifiers,
        windowMicros: config.dedupe.window * 1000,
        maxEntries: config.dedupe.max_entries,
      });
    }
  }

  async start(host: Host): Promise<void> {
    this.committed = await this.store.load((err, movedTo) => {
      this.metrics.logger.warn('journald checkpoint unreadable; starting without it', { receiver: this.metrics.receiver, error: err.message, moved_to: movedTo });
    });
    if (this.committed !== undefined) this.lastSaved = JSON.stringify(this.committed);
    this.loop = this.run(host).catch((err: unknown) => {
      if (err instanceof DeliveryAborted || this.stopped) return;
      host.reportFatalError(err as Error);
    });
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.child?.kill('SIGTERM');
    // Give a delivery in progress, then the records still held, up to 5 s to be accepted,
    // so a graceful restart repeats nothing; past that, what is unsent is read again.
    const deadline = setTimeout(() => this.abort.abort(), 5000);
    try {
      if (this.loop !== undefined) await this.loop;
      if (!this.abort.signal.aborted) {
        this.flushIdleWriters(Infinity);
        await this.sendBatch();
      }
    } catch (err) {
      if (!(err instanceof DeliveryAborted)) throw err;
    } finally {
      clearTimeout(deadline);
      this.abort.abort();
    }
    try {
      this.saveCheckpoint();
      await this.store.flush();
    } catch (err) {
      this.metrics.logger.error('journald cursor not saved at shutdown', { receiver: this.metrics.receiver, error: (err as Error).message });
    }
  }

  /** The position saved (or to be saved) last: what a restart resumes from. */
  get checkpoint(): JournaldCheckpoint | undefined {
    return this.committed;
  }

  private async startPoint(): Promise<StartPoint> {
    // Entries read but not yet delivered are still in memory, so a restarted journalctl
    // continues after the last entry read; a new process continues from the checkpoint.
    if (this.lastCursor !== undefined) return { kind: 'cursor', cursor: this.lastCursor, inclusive: false };
    if (this.committed !== undefined) return { kind: 'cursor', cursor: this.committed.cursor, inclusive: this.committed.inclusive };
    if (this.config.start_at === 'beginning') return { kind: 'beginning' };
    // The end is pinned once, as the newest entry's cursor (or the beginning of a journal
    // with no entry yet), so a journalctl that exits and restarts goes on from there instead
    // of at the then-current end.
    if (this.pinnedStart !== undefined) return this.pinnedStart;
    try {
      const { stdout } = await execFileAsync(this.config.journalctl_path, journalctlTailArgs(this.config), { timeout: 10_000, maxBuffer: 64 * 1024 * 1024 });
      const tail = tailCursor(stdout);
      this.pinnedStart = tail === null ? { kind: 'beginning' } : { kind: 'cursor', cursor: tail, inclusive: false };
      return this.pinnedStart;
    } catch (err) {
      if (/No such file or directory/.test(String((err as { stderr?: unknown }).stderr ?? ''))) {
        // The journal folder does not exist yet: whatever appears in it is new.
        this.pinnedStart = { kind: 'beginning' };
        return this.pinnedStart;
      }
      this.metrics.logger.warn('journald: cannot read the end of the journal; following from its current end', {
        receiver: this.metrics.receiver, error: (err as Error).message.slice(0, 512),
      });
      return { kind: 'end' };
    }
  }

  private async run(host: Host): Promise<void> {
    let delay = this.config.restart_delay;
    let everStarted = false;
    while (!this.stopped) {
      const from = await this.startPoint();
      const args = journalctlArgs(this.config, from);
      let child: ChildProcessByStdio<null, Readable, Readable>;
      try {
        child = spawn(this.config.journalctl_path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        host.reportFatalError(new KataOtelError('KO_ERR_JOURNALCTL_START', `cannot run ${this.config.journalctl_path}: ${(err as Error).message}`, { cause: err }));
        return;
      }
      this.child = child;
      const spawnError = new Promise<Error | undefined>((resolve) => {
        child.once('error', resolve);
        child.once('spawn', () => resolve(undefined));
      });
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < 4096) stderr += d.toString('utf8');
      });
      const failed = await spawnError;
      if (failed !== undefined) {
        if (!everStarted && (failed as NodeJS.ErrnoException).code === 'ENOENT') {
          host.reportFatalError(new KataOtelError('KO_ERR_JOURNALCTL_NOT_FOUND', `journalctl not found: ${this.config.journalctl_path} (set journalctl_path, or install systemd)`, { cause: failed }));
          return;
        }
        this.metrics.logger.error('journald: cannot start journalctl', { receiver: this.metrics.receiver, error: failed.message });
      } else {
        everStarted = true;
        this.metrics.logger.info('journald: following the journal', { receiver: this.metrics.receiver, args });
        const read = await this.consume(new LineQueue(child.stdout, this.config.max_entry_size));
        if (this.stopped) return;
        if (read > 0) delay = this.config.restart_delay;
      }
      const code = await exited;
      this.child = undefined;
      if (this.stopped) return;
      this.metrics.event('journalctl_exits');
      const why = stderr.trim().slice(0, 512);
      if (from.kind === 'cursor' && /cursor/i.test(why) && this.lastCursor === undefined) {
        // The saved cursor is not usable (malformed): fall back to start_at, and say so.
        this.metrics.event('cursor_invalid');
        this.metrics.logger.warn('journald: saved cursor rejected by journalctl; starting at start_at instead (entries may be missed or repeated)', {
          receiver: this.metrics.receiver, start_at: this.config.start_at, stderr: why,
        });
        this.committed = undefined;
        continue;
      }
      this.metrics.logger.warn('journald: journalctl exited; restarting', { receiver: this.metrics.receiver, code, stderr: why, restart_in_ms: delay });
      await sleep(delay, this.abort.signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }

  /** Reads entries until journalctl's output ends; returns how many lines were read. */
  private async consume(queue: LineQueue): Promise<number> {
    let read = 0;
    let oversized = 0;
    const idle = Math.min(this.config.force_flush_period, 100);
    for (;;) {
      if (this.stopped) return read;
      const line = await queue.next(idle);
      if (queue.oversized > oversized) {
        this.metrics.event('entries_oversized', queue.oversized - oversized);
        this.warnOnce('oversized', 'journald: an entry longer than max_entry_size was skipped', { max_entry_size: this.config.max_entry_size });
        oversized = queue.oversized;
      }
      if (line === EOF) {
        await this.sendBatch();
        return read;
      }
      if (line === TIMEOUT) {
        this.flushIdleWriters(Date.now() - this.config.force_flush_period);
        await this.sendBatch();
        continue;
      }
      read++;
      this.observed = nowNanos();
      this.take(line);
      if (this.batch.length >= this.config.max_batch || queue.pending === 0) {
        if (queue.pending === 0) this.flushIdleWriters(Date.now() - this.config.force_flush_period);
        await this.sendBatch();
      }
    }
  }

  /** One journalctl output line. */
  private take(line: string): void {
    let obj: Json;
    try {
      const v = JSON.parse(line) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      obj = v as Json;
    } catch (err) {
      this.metrics.event('entries_invalid');
      this.warnOnce('json', 'journald: journalctl printed a line that is not a JSON entry; skipped', { error: (err as Error).message });
      return;
    }
    const seq = ++this.seq;
    const cursor = typeof obj['__CURSOR'] === 'string' ? obj['__CURSOR'] : undefined;
    if (cursor !== undefined) this.lastCursor = cursor;
    const identifier = fieldText(obj['SYSLOG_IDENTIFIER']) ?? '';
    const message = fieldText(obj['MESSAGE']);
    if (this.dedupe !== undefined && message !== undefined && this.dedupe.covers(identifier)) {
      const micros = Number(fieldText(obj['__REALTIME_TIMESTAMP']) ?? '0');
      if (this.dedupe.isTwin(identifier, message, micros)) {
        this.metrics.event('duplicates_suppressed');
        return;
      }
    }
    if (!this.config.multiline.enabled || message === undefined || message.indexOf('\n') >= 0) {
      // A whole record already (or nothing to join): keep the writer's order, then send it.
      const w = this.writers.get(this.writerKey(identifier, obj));
      if (w !== undefined) this.flushWriter(w);
      this.emit([{ line, obj, cursor: cursor ?? '', seq }], undefined);
      return;
    }
    const key = this.writerKey(identifier, obj);
    let w = this.writers.get(key);
    if (w === undefined) {
      if (this.writers.size >= MAX_WRITERS) this.flushIdleWriters(Infinity);
      w = { recombiner: new Recombiner({ maxLines: this.config.multiline.max_lines, maxBytes: this.config.max_entry_size }), held: [], lastSeenAt: 0 };
      this.writers.set(key, w);
    }
    w.lastSeenAt = Date.now();
    w.held.push({ line, obj, cursor: cursor ?? '', seq });
    const done = w.recombiner.push(message, seq);
    if (done !== undefined) this.emit(w.held.splice(0, done.raw.length), done);
  }

  private writerKey(identifier: string, obj: Json): string {
    return `${identifier}\u0000${fieldText(obj['SYSLOG_PID']) ?? fieldText(obj['_PID']) ?? ''}`;
  }

  private flushWriter(w: Writer): void {
    const done = w.recombiner.flush();
    if (done !== undefined) this.emit(w.held.splice(0, done.raw.length), done);
    w.held.length = 0;
  }

  /** Sends what writers quiet since `before` (ms) hold, and forgets them. */
  private flushIdleWriters(before: number): void {
    for (const [key, w] of this.writers) {
      if (w.lastSeenAt <= before) {
        this.flushWriter(w);
        this.writers.delete(key);
      }
    }
  }

  /** One record from the entries `held` (one entry, or several the recombiner joined). */
  private emit(held: Held[], entry: Entry | undefined): void {
    const first = held[0];
    if (first === undefined) return;
    const obj = first.obj;
    if (entry !== undefined && entry.raw.every((l) => l.trim() === '')) {
      this.metrics.event('entries_blank');
      return;
    }
    const body = held.length === 1 ? first.line : JSON.stringify({ ...obj, MESSAGE: entry!.raw.join('\n') });
    const attrs: Attributes = {};
    const identifier = fieldText(obj['SYSLOG_IDENTIFIER']);
    if (identifier !== undefined) attrs[K.LOG_IDENTIFIER] = identifier;
    const pid = fieldText(obj['SYSLOG_PID']) ?? fieldText(obj['_PID']);
    if (pid !== undefined && /^\d{1,10}$/.test(pid)) attrs[K.PROCESS_PID] = Number(pid);
    if (first.cursor !== '') attrs[K.JOURNAL_CURSOR] = first.cursor;
    const unit = fieldText(obj['_SYSTEMD_UNIT']);
    if (unit !== undefined) attrs[K.JOURNAL_UNIT] = unit;
    const transport = fieldText(obj['_TRANSPORT']);
    if (transport !== undefined) attrs[K.JOURNAL_TRANSPORT] = transport;
    const host = fieldText(obj['_HOSTNAME']);
    const resource = host === undefined ? this.resources.baseResource : this.resources.get(host, () => ({ [K.HOST_NAME]: host }));
    this.batch.push(rawRecord(body, this.observed, attrs, resource));
  }

  /** Where a restart may resume now: at the oldest held entry, else after the last entry read. */
  private safePoint(): JournaldCheckpoint | undefined {
    let oldest: Held | undefined;
    for (const w of this.writers.values()) {
      const h = w.held[0];
      if (h !== undefined && h.cursor !== '' && (oldest === undefined || h.seq < oldest.seq)) oldest = h;
    }
    if (oldest !== undefined) return { cursor: oldest.cursor, inclusive: true };
    return this.lastCursor === undefined ? this.committed : { cursor: this.lastCursor, inclusive: false };
  }

  /** Delivers the batch, then commits the position it covers. */
  private async sendBatch(): Promise<void> {
    const point = this.safePoint();
    if (this.batch.length > 0) {
      const records = this.batch;
      this.batch = [];
      try {
        await deliver(this.next, records, {
          signal: this.abort.signal,
          metrics: this.metrics,
          onBackpressure: (err) =>
            this.metrics.logger.warn('journald paused: the next stage refuses records; retrying', { receiver: this.metrics.receiver, error: (err as Error)?.message }),
          onRecovered: () => this.metrics.logger.info('journald resumed', { receiver: this.metrics.receiver }),
        });
      } catch (err) {
        this.batch = records.concat(this.batch);
        throw err;
      }
    }
    if (point !== undefined) {
      this.committed = point;
      this.saveCheckpoint();
    }
  }

  private saveCheckpoint(): void {
    if (this.committed === undefined) return;
    const text = JSON.stringify(this.committed);
    if (text === this.lastSaved) return;
    this.lastSaved = text;
    this.store.save(this.committed).catch(() => undefined);
  }

  private warnOnce(key: string, msg: string, fields: Record<string, unknown>): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.metrics.logger.warn(msg, { receiver: this.metrics.receiver, ...fields });
  }
}
