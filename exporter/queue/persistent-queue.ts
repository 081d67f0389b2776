/**
 * A bounded, durable FIFO of encoded export requests in one SQLite file (better-sqlite3,
 * WAL, synchronous=FULL).
 *
 * - `enqueue` resolves only after the batch is committed and fsynced, so a receiver that
 *   acknowledges its source after consumeLogs resolves never loses a record to a crash.
 *   Enqueues arriving in the same event-loop turn share one transaction (group commit),
 *   whose fsync runs in libuv's pool (see flush).
 * - Rows are read oldest first and deleted only after the exporter is done with them
 *   (delivered, or dropped on purpose): at-least-once, in order. Deletes are not fsynced
 *   on their own (see remove).
 * - The bound is on payload bytes. When full, an enqueue waits (FIFO, so order holds) up to
 *   `blockTimeoutMs` for room, then fails with a RetryableError `KO_ERR_QUEUE_FULL`; with
 *   `whenFull: 'drop_newest'` the batch is dropped at once and reported through `onDrop`.
 * - The file is locked exclusively (a second process on the same file fails to open it),
 *   its WAL is truncated periodically, and free pages are returned to the filesystem
 *   (auto_vacuum=INCREMENTAL) once a backlog has drained.
 * - A new file gets 64 KiB pages: a batch is one blob of a few hundred KiB, which at
 *   SQLite's default 4 KiB pages is a chain of ~90 overflow pages, each a WAL frame of its
 *   own (two writes) and a pointer-map entry; 64 KiB pages cut the commit's cost by ~40%.
 * - The queue takes ownership of each payload. Recently committed payloads stay in memory
 *   (up to `hotBytes`), so the sender, which mostly reads what was just written, gets them
 *   without reading the blob back from SQLite; each payload is handed to its `release`
 *   callback once the queue no longer references it.
 *
 * The DB calls are synchronous and run on the main thread: each is one small statement or
 * one transaction per event-loop turn (about 0.1–1 ms; the commit's fsync runs in libuv's
 * pool), and the API is promise-based so the work can move to a worker thread without
 * changing callers.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsync, mkdirSync, openSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { KataOtelError, PermanentError, RetryableError } from '../../component/errors';
import type { Logger } from '../../component/telemetry';

export interface PersistentQueueOptions {
  path: string;
  /** What the payloads are (e.g. `otlp-logs-protobuf`); a file holding another kind is refused. */
  kind: string;
  maxBytes: number;
  blockTimeoutMs: number;
  whenFull: 'block' | 'drop_newest';
  logger: Logger;
  /** Called after every change of the queue's content. */
  onDepth?(records: number, bytes: number): void;
  /** A batch dropped because the queue was full (`drop_newest`). */
  onDrop?(records: number): void;
  /** WAL truncation period; default 30 s. */
  checkpointIntervalMs?: number;
  /** Sync commits in libuv's pool rather than on the event loop (see flush); default true. */
  syncOffLoop?: boolean;
  /** Payload bytes of committed batches kept in memory for peek; default 4 MiB, 0 turns it off. */
  hotBytes?: number;
}

/** Called with a payload enqueue took once the queue no longer references it (to reuse its memory). */
export type ReleasePayload = (payload: Buffer) => void;

export interface QueuedBatch {
  seq: number;
  items: number;
  bytes: number;
  enqueuedMs: number;
  payload: Buffer;
}

interface Pending {
  payload: Buffer;
  /** Its row, once committed. */
  seq?: number;
  release: ReleasePayload | undefined;
  items: number;
  resolve(): void;
  reject(err: Error): void;
}

interface Waiter extends Pending {
  timer: NodeJS.Timeout;
}

const SCHEMA_VERSION = '1';
/** Free pages above this are given back to the filesystem. */
const VACUUM_THRESHOLD_BYTES = 8 * 1024 * 1024;
/**
 * Bytes of free pages given back per step. One incremental_vacuum over the hundreds of MiB
 * a drained backlog leaves blocks the event loop for 0.2–0.5 s (every receiver, the
 * telemetry endpoint, the exports); steps of 4 MiB take a few milliseconds each, with the
 * event loop free in between.
 */
const VACUUM_STEP_BYTES = 4 * 1024 * 1024;
/** Page size of new queue files (see the top of the file); existing files keep theirs. */
const PAGE_SIZE = 65536;
const DEFAULT_HOT_BYTES = 4 * 1024 * 1024;

export class PersistentQueue {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly head: Database.Statement;
  private readonly payloadOf: Database.Statement;
  private readonly deleteRange: Database.Statement;
  private readonly syncNormal: Database.Statement;
  private readonly syncFull: Database.Statement;
  private readonly insertMany: (batch: Pending[]) => void;
  private records = 0;
  private bytes = 0;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private readonly waiters: Waiter[] = [];
  private dataWaiters: Array<() => void> = [];
  private readonly checkpointTimer: NodeJS.Timeout;
  private closed = false;
  private vacuuming = false;
  /** A descriptor of the WAL file, for syncing commits off the event loop (see flush). */
  private walFd: number | undefined;
  private syncing = 0;
  /** Committed payloads by seq (oldest first), at most hotLimit bytes in all. */
  private readonly hot = new Map<number, Pending>();
  private hotSize = 0;
  private readonly hotLimit: number;

  private constructor(
    private readonly opts: PersistentQueueOptions,
    db: Database.Database,
  ) {
    this.db = db;
    this.hotLimit = opts.hotBytes ?? DEFAULT_HOT_BYTES;
    this.insert = db.prepare('INSERT INTO batches (items, bytes, enqueued_ms, payload) VALUES (?, ?, ?, ?)');
    this.head = db.prepare('SELECT seq, items, bytes, enqueued_ms AS enqueuedMs FROM batches ORDER BY seq LIMIT ?');
    this.payloadOf = db.prepare('SELECT payload FROM batches WHERE seq = ?').pluck();
    this.deleteRange = db.prepare('DELETE FROM batches WHERE seq >= ? AND seq <= ?');
    this.syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
    this.syncFull = db.prepare('PRAGMA synchronous = FULL');
    this.insertMany = db.transaction((batch: Pending[]) => {
      const now = Date.now();
      for (const p of batch) p.seq = Number(this.insert.run(p.items, p.payload.length, now, p.payload).lastInsertRowid);
    });
    const totals = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(items), 0) AS items, COALESCE(SUM(bytes), 0) AS bytes FROM batches').get() as {
      n: number; items: number; bytes: number;
    };
    this.records = totals.items;
    this.bytes = totals.bytes;
    this.checkpointTimer = setInterval(() => this.maintain(), opts.checkpointIntervalMs ?? 30_000);
    this.checkpointTimer.unref();
    this.reportDepth();
  }

  /** Opens (creating when needed) the queue file. Throws KataOtelError when it cannot. */
  static open(opts: PersistentQueueOptions): PersistentQueue {
    mkdirSync(dirname(opts.path), { recursive: true, mode: 0o750 });
    let db: Database.Database;
    try {
      db = openDatabase(opts);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== 'SQLITE_CORRUPT' && code !== 'SQLITE_NOTADB') {
        throw new KataOtelError('KO_ERR_QUEUE_OPEN', `cannot open the exporter queue ${opts.path}: ${(err as Error).message}`, { cause: err });
      }
      // A damaged file must not stop the sidecar for good (a crash loop loses everything
      // new): set it aside for inspection and start an empty queue.
      const aside = `${opts.path}.corrupt-${Date.now()}`;
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(opts.path + suffix)) renameSync(opts.path + suffix, aside + suffix);
      }
      opts.logger.error('exporter queue file is damaged; moved aside, starting an empty queue (its records are not delivered)', {
        path: opts.path, moved_to: aside, error: (err as Error).message,
      });
      db = openDatabase(opts);
    }
    return new PersistentQueue(opts, db);
  }

  /** Records and payload bytes committed and not yet removed. */
  get depth(): { records: number; bytes: number } {
    return { records: this.records, bytes: this.bytes };
  }

  /** The durability settings in force, read back from SQLite (diagnostics and tests). */
  storageSettings(): { journalMode: string; synchronous: number; lockingMode: string; pageSize: number } {
    return {
      pageSize: Number(this.db.pragma('page_size', { simple: true })),
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      lockingMode: String(this.db.pragma('locking_mode', { simple: true })),
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Commits one batch. Resolves once it is durable; rejects with RetryableError
   * (KO_ERR_QUEUE_FULL, KO_ERR_QUEUE_WRITE, KO_ERR_EXPORTER_STOPPED) or PermanentError
   * (KO_ERR_BATCH_TOO_LARGE). Resolves true when committed; with drop_newest, a batch that
   * does not fit resolves false (dropped, reported through onDrop). The queue takes the
   * payload: the caller must not change it afterwards; `release` gets it back when the
   * queue is done with it.
   */
  enqueue(payload: Uint8Array, items: number, release?: ReleasePayload): Promise<boolean> {
    if (this.closed) return Promise.reject(new RetryableError('KO_ERR_EXPORTER_STOPPED', 'the exporter is shutting down'));
    const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (buf.length > this.opts.maxBytes) {
      return Promise.reject(new PermanentError('KO_ERR_BATCH_TOO_LARGE', `a batch of ${buf.length} bytes can never fit the exporter queue (max ${this.opts.maxBytes} bytes)`));
    }
    return new Promise<boolean>((resolve, reject) => {
      const p: Pending = { payload: buf, items, release, resolve: () => resolve(true), reject };
      if (this.waiters.length === 0 && this.fits(buf.length)) {
        this.addPending(p);
        return;
      }
      if (this.opts.whenFull === 'drop_newest') {
        this.opts.onDrop?.(items);
        release?.(buf);
        resolve(false);
        return;
      }
      if (this.opts.blockTimeoutMs <= 0) {
        reject(this.fullError(0));
        return;
      }
      const waiter: Waiter = {
        ...p,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(this.fullError(this.opts.blockTimeoutMs));
        }, this.opts.blockTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * The oldest batches, in order: at least one when the queue is not empty, then more while
   * their payloads add up to at most `maxBytes`.
   */
  peek(maxBytes: number, maxRows = 10_000): QueuedBatch[] {
    if (this.closed || this.records === 0 && this.bytes === 0) return [];
    const out: QueuedBatch[] = [];
    let total = 0;
    for (const row of this.head.iterate(maxRows) as IterableIterator<Omit<QueuedBatch, 'payload'>>) {
      if (out.length > 0 && total + row.bytes > maxBytes) break;
      out.push(row as QueuedBatch);
      total += row.bytes;
    }
    for (const b of out) b.payload = this.hot.get(b.seq)?.payload ?? (this.payloadOf.get(b.seq) as Buffer);
    return out;
  }

  /** Deletes batches taken from the head (delivered or dropped), oldest first. */
  remove(batches: readonly QueuedBatch[]): void {
    if (batches.length === 0 || this.closed) return;
    // Without its own fsync: a delete lost to a power failure brings delivered batches back,
    // to be sent again (at-least-once allows that), and the next commit's fsync of the WAL
    // covers it anyway. A process crash loses nothing (the WAL write reached the OS). The
    // fsync cost the event loop ~3 ms per request and half of the queue's CPU time.
    this.syncNormal.run();
    try {
      this.deleteRange.run(batches[0]!.seq, batches[batches.length - 1]!.seq);
    } finally {
      this.syncFull.run();
    }
    for (const b of batches) {
      this.records -= b.items;
      this.bytes -= b.bytes;
      const p = this.hot.get(b.seq);
      if (p !== undefined) {
        this.hot.delete(b.seq);
        this.hotSize -= p.payload.length;
        p.release?.(p.payload);
      }
    }
    this.reportDepth();
    this.admitWaiters();
  }

  /** Resolves once the queue holds something (or is closed). */
  whenNotEmpty(): Promise<void> {
    if (this.records > 0 || this.bytes > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  /**
   * Commits what is pending, refuses whoever waits for room, truncates the WAL and closes
   * the file. Safe to call twice.
   */
  close(): void {
    if (this.closed) return;
    this.flush(true);
    this.closed = true;
    clearInterval(this.checkpointTimer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new RetryableError('KO_ERR_EXPORTER_STOPPED', 'the exporter is shutting down'));
    }
    for (const wake of this.dataWaiters.splice(0)) wake();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.opts.logger.warn('exporter queue: WAL checkpoint at close failed', { path: this.opts.path, error: (err as Error).message });
    }
    this.db.close();
    if (this.syncing === 0) this.closeWal();
  }

  // ---- internals ----------------------------------------------------------------------

  private fits(n: number): boolean {
    return this.bytes + this.pendingBytes + n <= this.opts.maxBytes;
  }

  private fullError(waitedMs: number): RetryableError {
    return new RetryableError(
      'KO_ERR_QUEUE_FULL',
      `the exporter queue is full (${this.bytes + this.pendingBytes} of ${this.opts.maxBytes} bytes)${waitedMs > 0 ? ` after waiting ${waitedMs} ms` : ''}; try again later`,
      1000,
    );
  }

  private addPending(p: Pending): void {
    this.pending.push(p);
    this.pendingBytes += p.payload.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Commits the pending batches in one transaction. Their promises resolve once the commit
   * is on disk: with the WAL file open here, the commit is made without SQLite's fsync
   * (synchronous=NORMAL) and the WAL is then fsynced in libuv's pool, which is the same
   * sync SQLite's FULL mode makes at commit, minus the ~2–5 ms it blocks the event loop.
   * The rows are visible (and may be sent) before that; a crash before the sync loses no
   * acknowledged record, at worst a source sends again what was delivered (at-least-once).
   * `now` commits the ordinary way (at close).
   */
  private flush(now = false): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const walFd = now ? undefined : this.walFd;
    try {
      if (walFd === undefined) {
        this.insertMany(batch);
      } else {
        this.syncNormal.run();
        try {
          this.insertMany(batch);
        } finally {
          this.syncFull.run();
        }
      }
    } catch (err) {
      const e = new RetryableError('KO_ERR_QUEUE_WRITE', `could not commit to the exporter queue: ${(err as Error).message}`, 1000, { cause: err });
      this.opts.logger.error('exporter queue write failed; the batches were refused and stay with their sources', {
        path: this.opts.path, batches: batch.length, error: (err as Error).message,
      });
      for (const p of batch) {
        p.reject(e);
        p.release?.(p.payload);
      }
      this.admitWaiters();
      return;
    }
    for (const p of batch) {
      this.records += p.items;
      this.bytes += p.payload.length;
      this.keepHot(p);
    }
    this.reportDepth();
    for (const wake of this.dataWaiters.splice(0)) wake();
    if (walFd === undefined) {
      for (const p of batch) p.resolve();
      // After the first commit: SQLite created the WAL and synced its directory entry.
      this.openWal();
      return;
    }
    this.syncing++;
    fsync(walFd, (err) => {
      this.syncing--;
      if (err === null) {
        for (const p of batch) p.resolve();
      } else {
        // The rows stay queued and are delivered; the sources send them again (duplicates, not loss).
        this.opts.logger.error('exporter queue sync failed; the batches were refused and stay with their sources', {
          path: this.opts.path, batches: batch.length, error: err.message,
        });
        const e = new RetryableError('KO_ERR_QUEUE_WRITE', `could not sync the exporter queue: ${err.message}`, 1000, { cause: err });
        for (const p of batch) p.reject(e);
      }
      if (this.closed && this.syncing === 0) this.closeWal();
    });
  }

  /** Keeps a committed payload for peek while there is room, else lets it go. */
  private keepHot(p: Pending): void {
    if (p.seq !== undefined && this.hotSize + p.payload.length <= this.hotLimit) {
      this.hot.set(p.seq, p);
      this.hotSize += p.payload.length;
    } else {
      p.release?.(p.payload);
    }
  }

  private openWal(): void {
    if (this.walFd !== undefined || this.closed || this.opts.syncOffLoop === false) return;
    try {
      this.walFd = openSync(`${this.opts.path}-wal`, 'r');
    } catch {
      // No WAL file where expected: keep committing with SQLite's own fsync.
    }
  }

  private closeWal(): void {
    if (this.walFd === undefined) return;
    try {
      closeSync(this.walFd);
    } catch {
      // nothing left to do with it
    }
    this.walFd = undefined;
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.payload.length)) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      this.addPending(w);
    }
  }

  private reportDepth(): void {
    this.opts.onDepth?.(this.records, this.bytes);
  }

  private maintain(): void {
    if (this.closed) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      const free = this.db.pragma('freelist_count', { simple: true }) as number;
      if (!this.vacuuming && free * pageSize > VACUUM_THRESHOLD_BYTES && free * pageSize > this.bytes) {
        this.vacuuming = true;
        this.vacuumStep(free, Math.max(1, Math.floor(VACUUM_STEP_BYTES / pageSize)));
      }
    } catch (err) {
      this.opts.logger.warn('exporter queue maintenance failed', { path: this.opts.path, error: (err as Error).message });
    }
  }

  /**
   * Gives `pages` free pages back, `step` at a time, yielding to the event loop between
   * steps (what was free when maintenance began, as one incremental_vacuum did).
   */
  private vacuumStep(pages: number, step: number): void {
    if (this.closed) {
      this.vacuuming = false;
      return;
    }
    try {
      this.db.pragma(`incremental_vacuum(${Math.min(pages, step)})`);
      if (pages > step) {
        setImmediate(() => this.vacuumStep(pages - step, step));
        return;
      }
    } catch (err) {
      this.opts.logger.warn('exporter queue maintenance failed', { path: this.opts.path, error: (err as Error).message });
    }
    this.vacuuming = false;
  }
}

function openDatabase(opts: PersistentQueueOptions): Database.Database {
  const db = new Database(opts.path, { timeout: 1000 });
  try {
    // One process per queue file: a second sidecar on the same storage would double-send.
    db.pragma('locking_mode = EXCLUSIVE');
    // Both effective only on a new, empty file (before WAL mode and the first table).
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('auto_vacuum = INCREMENTAL');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new KataOtelError('KO_ERR_QUEUE_OPEN', `SQLite refused WAL mode (got ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS batches (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        items INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        enqueued_ms INTEGER NOT NULL,
        payload BLOB NOT NULL
      ) STRICT;
    `);
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    if (meta.size === 0) {
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('schema_version', SCHEMA_VERSION, 'kind', opts.kind);
    } else if (meta.get('kind') !== opts.kind || meta.get('schema_version') !== SCHEMA_VERSION) {
      throw new KataOtelError(
        'KO_ERR_QUEUE_KIND',
        `${opts.path} holds a queue of kind ${meta.get('kind') ?? '?'} (schema ${meta.get('schema_version') ?? '?'}), not ${opts.kind} (schema ${SCHEMA_VERSION})`,
      );
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
