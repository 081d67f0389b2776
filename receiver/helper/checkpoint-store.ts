/**
 * Durable receiver checkpoints (file offsets and fingerprints, a journald cursor) as one
 * small JSON file per component under CreateSettings.storageDir.
 *
 * Why a JSON file and not SQLite: the state is a few hundred bytes to a few hundred KiB
 * that is always replaced whole, never queried; the write path is asynchronous (fs
 * promises run in libuv's pool, so the fsync never blocks the event loop, whereas
 * better-sqlite3 is synchronous), and receivers need no native addon. Crash safety comes
 * from write-to-temporary, fsync, rename over the old file, fsync of the directory: after
 * a crash the file holds either the previous or the new state, never a torn mix.
 *
 * Saves are coalesced: while one write is in progress, later `save` calls only replace
 * the state to write next, so a fast receiver costs at most one fsync at a time, and the
 * state on disk lags the committed state by at most one write (after a crash that means
 * duplicates, never loss, because a receiver only saves what downstream accepted).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ComponentId } from '../../component/component';

export interface CheckpointFile<T> {
  version: 1;
  /** The component that wrote it, `type/name`. */
  component: string;
  savedAt: string;
  state: T;
}

/** A file name safe on any filesystem for a component id: `receiver_filelog_kata.json`. */
export function checkpointFileName(id: ComponentId): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, (c) => `~${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `receiver_${safe(id.type)}${id.name === '' ? '' : `_${safe(id.name)}`}.checkpoint.json`;
}

export class CheckpointStore<T> {
  readonly file: string;
  private readonly componentId: string;
  private next: T | undefined;
  private writing: Promise<void> | undefined;
  private lastError: Error | undefined;
  private seq = 0;

  constructor(storageDir: string, id: ComponentId) {
    this.file = path.join(storageDir, checkpointFileName(id));
    this.componentId = id.name === '' ? id.type : `${id.type}/${id.name}`;
  }

  /**
   * The saved state, or undefined when none was ever saved. A file that does not parse
   * (written by something else, or damaged outside our control) is moved aside and
   * reported through `onCorrupt`, so the receiver starts fresh rather than crash-looping.
   */
  async load(onCorrupt?: (err: Error, movedTo: string) => void): Promise<T | undefined> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as CheckpointFile<T>;
      if (parsed === null || typeof parsed !== 'object' || parsed.version !== 1 || !('state' in parsed)) {
        throw new Error('not a kata-otel checkpoint file (version 1)');
      }
      return parsed.state;
    } catch (err) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await fsp.rename(this.file, aside).catch(() => undefined);
      onCorrupt?.(err as Error, aside);
      return undefined;
    }
  }

  /** Schedules `state` to be written; returns when it (or a newer state) is on disk. */
  save(state: T): Promise<void> {
    this.next = state;
    if (this.writing === undefined) {
      const w: Promise<void> = this.drain().finally(() => {
        if (this.writing === w) this.writing = undefined;
      });
      this.writing = w;
    }
    return this.writing;
  }

  /** Waits for pending writes; rejects with the last write error, if any. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.lastError !== undefined) {
      const err = this.lastError;
      this.lastError = undefined;
      throw err;
    }
  }

  private async drain(): Promise<void> {
    while (this.next !== undefined) {
      const state = this.next;
      this.next = undefined;
      try {
        await this.writeNow(state);
        this.lastError = undefined;
      } catch (err) {
        // Keep going: a later save may succeed (disk space freed); the caller sees it in flush().
        this.lastError = err as Error;
      }
    }
  }

  private async writeNow(state: T): Promise<void> {
    const dir = path.dirname(this.file);
    await fsp.mkdir(dir, { recursive: true });
    const body: CheckpointFile<T> = { version: 1, component: this.componentId, savedAt: new Date().toISOString(), state };
    const tmp = `${this.file}.tmp-${process.pid}-${++this.seq}`;
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(body));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fsp.rename(tmp, this.file);
    } catch (err) {
      await fsp.unlink(tmp).catch(() => undefined);
      throw err;
    }
    // The rename is durable only once the directory entry is.
    const dh = await fsp.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
