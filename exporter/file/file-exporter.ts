/**
 * The `file` exporter: OTLP/JSON lines (one ExportLogsServiceRequest per batch, as the
 * Collector's file exporter writes them) or ndjson (one record per line).
 *
 * Durability: each batch is written and fsync'ed before consumeLogs resolves, so a
 * receiver acknowledges its source only for records that are on disk. Batches are
 * written one at a time, in the order they arrived.
 *
 * Rotation (optional): before a batch would take the file past `maxBytes`, the file is
 * synced, closed and renamed to `<name>-<UTC time><ext>` (`logs-2026-11-27T04-52-01.123Z.jsonl`),
 * a new file is started, and the oldest backups beyond `maxBackups` are removed. A batch
 * is never split across files; one larger than `maxBytes` gets a file of its own.
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Component } from '../../component/component';
import { RetryableError } from '../../component/errors';
import type { Logger } from '../../component/telemetry';
import type { LogsConsumer } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';
import { ndjsonLine } from '../../pdata/ndjson';
import type { ScopeInfo } from '../../pdata/otlp/json-encoding';
import { exportRequestLine } from '../../pdata/otlp/json-encoding';
import type { ComponentMetrics } from '../../service/telemetry/metrics';

/** The few file operations the exporter needs; tests replace them to watch the order. */
export interface OutputFile {
  write(text: string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenOutput = (path: string, flags: 'a' | 'w') => Promise<OutputFile>;

export const openOutputFile: OpenOutput = async (path, flags) => {
  const fh: FileHandle = await open(path, flags, 0o640);
  return {
    write: async (text) => {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off);
        off += bytesWritten;
      }
    },
    sync: () => fh.sync(),
    close: () => fh.close(),
  };
};

export interface FileExporterOptions {
  path: string;
  format: 'otlp_json' | 'ndjson';
  append: boolean;
  /** Rotate before the file would exceed this many bytes; undefined: never. */
  maxBytes?: number;
  /** Backups kept; 0 keeps all. */
  maxBackups: number;
  scope: ScopeInfo;
  metrics: ComponentMetrics;
  logger: Logger;
  openFile?: OpenOutput;
  now?: () => Date;
}

const STAMP = '\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class FileExporter implements Component, LogsConsumer {
  readonly mutatesData = false;
  private file: OutputFile | undefined;
  private size = 0;
  /** The write in progress; the next one waits for it. */
  private tail: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly openFile: OpenOutput;
  private readonly backupPattern: RegExp;

  constructor(private readonly opts: FileExporterOptions) {
    this.openFile = opts.openFile ?? openOutputFile;
    const ext = extname(opts.path);
    const base = basename(opts.path, ext);
    this.backupPattern = new RegExp(`^${escapeRegExp(base)}-(${STAMP})(?:-(\\d{1,6}))?${escapeRegExp(ext)}$`);
  }

  async start(): Promise<void> {
    await mkdir(dirname(this.opts.path), { recursive: true });
    this.file = await this.openFile(this.opts.path, this.opts.append ? 'a' : 'w');
    this.size = this.opts.append ? await stat(this.opts.path).then((s) => s.size, () => 0) : 0;
    this.opts.logger.info('writing records to a file', { path: this.opts.path, format: this.opts.format, append: this.opts.append });
  }

  consumeLogs(records: LogRecord[]): Promise<void> {
    if (this.stopping || this.file === undefined) {
      return Promise.reject(new RetryableError('KO_ERR_FILE_EXPORTER_STOPPED', 'the file exporter is not running'));
    }
    if (records.length === 0) return Promise.resolve();
    const began = performance.now();
    const n = records.length;
    const text = this.encode(records);
    const written = this.tail.then(() => this.write(text));
    this.tail = written.catch(() => undefined);
    return written.then(
      () => {
        this.opts.metrics.exported(n);
        this.opts.metrics.exportLatency((performance.now() - began) / 1000);
      },
      (err: unknown) => {
        this.opts.logger.error('writing the output file failed', { path: this.opts.path, records: n, error: err });
        throw new RetryableError('KO_ERR_FILE_WRITE', `cannot write ${this.opts.path}: ${(err as Error)?.message ?? String(err)}`, undefined, { cause: err });
      },
    );
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.tail;
    const f = this.file;
    this.file = undefined;
    await f?.close();
  }

  private encode(records: readonly LogRecord[]): string {
    if (this.opts.format === 'otlp_json') return exportRequestLine(records, this.opts.scope) + '\n';
    let s = '';
    for (const r of records) s += ndjsonLine(r) + '\n';
    return s;
  }

  private async write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text, 'utf8');
    const max = this.opts.maxBytes;
    if (max !== undefined && this.size > 0 && this.size + bytes > max) await this.rotate();
    const f = this.file;
    if (f === undefined) throw new Error('output file is closed');
    await f.write(text);
    this.size += bytes;
    await f.sync();
  }

  private async rotate(): Promise<void> {
    const f = this.file!;
    this.file = undefined;
    await f.close(); // every batch in it was synced already
    const backup = await this.backupPath();
    try {
      await rename(this.opts.path, backup);
    } catch (err) {
      // Keep writing where we were rather than stop exporting.
      this.opts.logger.error('cannot rotate the output file; writing on in it', { path: this.opts.path, backup, error: err });
      this.file = await this.openFile(this.opts.path, 'a');
      return;
    }
    this.file = await this.openFile(this.opts.path, 'a');
    this.size = 0;
    this.opts.logger.info('rotated the output file', { path: this.opts.path, backup });
    await this.prune();
  }

  private async backupPath(): Promise<string> {
    const dir = dirname(this.opts.path);
    const ext = extname(this.opts.path);
    const base = basename(this.opts.path, ext);
    const stamp = (this.opts.now?.() ?? new Date()).toISOString().replace(/:/g, '-');
    for (let i = 0; ; i++) {
      const candidate = join(dir, `${base}-${stamp}${i === 0 ? '' : `-${i}`}${ext}`);
      const exists = await stat(candidate).then(() => true, () => false);
      if (!exists) return candidate;
    }
  }

  /** Removes the oldest backups beyond maxBackups (0: keep all). */
  private async prune(): Promise<void> {
    const keep = this.opts.maxBackups;
    if (keep <= 0) return;
    const dir = dirname(this.opts.path);
    const backups: { name: string; stamp: string; seq: number }[] = [];
    for (const name of await readdir(dir)) {
      const m = this.backupPattern.exec(name);
      if (m !== null) backups.push({ name, stamp: m[1]!, seq: Number(m[2] ?? 0) });
    }
    backups.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.seq - b.seq));
    for (const old of backups.slice(0, Math.max(backups.length - keep, 0))) {
      try {
        await rm(join(dir, old.name), { force: true });
        this.opts.logger.info('removed an old rotated file', { file: join(dir, old.name) });
      } catch (err) {
        this.opts.logger.warn('cannot remove an old rotated file', { file: join(dir, old.name), error: err });
      }
    }
  }
}
