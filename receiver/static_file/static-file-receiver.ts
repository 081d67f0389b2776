/**
 * The `static_file` receiver: reads the given files once, line by line, and hands their
 * records to the pipeline raw (for the kata_parser processor), then idles.
 *
 * Lines are grouped into records with the Kata Recombiner (a Go panic, pretty-printed
 * JSON or a Rust error chain is one record), so a batch never ends inside a record. A
 * record's body is its physical lines joined with "\n", with `log.file.path` (absolute)
 * and `kata.log.line_number` (of its first line). Blank lines make no record.
 *
 * Back-pressure: batches of `batch_size` records; the next chunk of the file is read only
 * after the pipeline accepted the batches before it. A retryable refusal is retried with
 * backoff until it is accepted or the service stops; on stop, what was read is still
 * handed on once.
 *
 * It is not a tailer: for files that grow or rotate, use filelog.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Component, Host } from '../../component/component';
import { isPermanent } from '../../component/errors';
import type { Logger } from '../../component/telemetry';
import type { LogsConsumer } from '../../consumer/consumer';
import type { LogRecord } from '../../pdata/log-record';
import { emptyRecord } from '../../pdata/log-record';
import { nowNanos } from '../../pdata/time';
import { readLines } from '../input/line-reader';
import { K } from '../kata/keys';
import { isBlank } from '../kata/parse-text';
import type { Entry } from '../kata/recombine';
import { Recombiner } from '../kata/recombine';
import type { ComponentMetrics } from '../../service/telemetry/metrics';
import type { ReportsIdle } from '../../service/service';
import type { StaticFileConfig } from './config';

const CHUNK_BYTES = 1 << 16;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

export interface StaticFileTotals {
  files: number;
  /** Lines read so far. */
  lines: number;
  records: number;
  blankLines: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      done();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      done();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class StaticFileReceiver implements Component, ReportsIdle {
  readonly totals: StaticFileTotals = { files: 0, lines: 0, records: 0, blankLines: 0 };
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly idle: Promise<void>;
  private resolveIdle!: () => void;

  constructor(
    private readonly config: StaticFileConfig,
    private readonly next: LogsConsumer,
    private readonly logger: Logger,
    private readonly metrics: ComponentMetrics,
  ) {
    this.idle = new Promise((r) => {
      this.resolveIdle = r;
    });
  }

  async start(host: Host): Promise<void> {
    if (this.loop !== undefined) return;
    this.loop = this.readAll().then(
      () => this.resolveIdle(),
      (err: unknown) => {
        this.resolveIdle();
        host.reportFatalError(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /** Resolves once every file was read and the pipeline accepted all of it (or on stop). */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  async shutdown(): Promise<void> {
    this.stop.abort();
    await this.loop;
    this.resolveIdle();
  }

  private async readAll(): Promise<void> {
    for (const path of this.config.paths) {
      if (this.stop.signal.aborted) break;
      await this.readFile(path);
    }
    const t = this.totals;
    if (this.stop.signal.aborted) {
      this.logger.info('stopped reading', { files: t.files, lines: t.lines, records: t.records });
    } else {
      this.logger.info('read every file; idle', { files: t.files, lines: t.lines, records: t.records, blankLines: t.blankLines });
    }
  }

  private async readFile(path: string): Promise<void> {
    const abs = resolve(path);
    const recombiner = new Recombiner();
    const batchSize = this.config.batch_size;
    const ready: LogRecord[][] = [];
    let batch: LogRecord[] = [];
    let observed = nowNanos();
    const add = (e: Entry | undefined): void => {
      if (e === undefined) return;
      if (isBlank(e)) {
        this.totals.blankLines++;
        return;
      }
      const r = emptyRecord(observed);
      r.body = e.raw.join('\n');
      r.attributes[K.LOG_FILE_PATH] = abs;
      r.attributes[K.LOG_LINE_NUMBER] = e.lineNumber;
      batch.push(r);
      if (batch.length >= batchSize) {
        ready.push(batch);
        batch = [];
      }
    };
    const source = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    const self = this;
    // The next chunk is pulled only after the batches of the previous one were accepted.
    async function* chunks(): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        while (ready.length > 0) await self.deliver(ready.shift()!, abs);
        if (self.stop.signal.aborted) return;
        observed = nowNanos();
        yield chunk as Buffer;
      }
    }
    let lines = 0;
    try {
      const stats = await readLines(Readable.from(chunks(), { objectMode: true, highWaterMark: 1 }), (text, n) => {
        lines++;
        this.totals.lines++;
        add(recombiner.push(text, n));
      });
      if (stats.cutLines > 0) this.logger.warn('cut over-long lines', { path: abs, cutLines: stats.cutLines });
    } catch (err) {
      this.logger.error('reading a file failed; going on with what was read', { path: abs, lines, error: err });
    } finally {
      source.destroy();
    }
    // What was read is handed on, also when stopping (the pipeline is still up).
    add(recombiner.flush());
    if (batch.length > 0) ready.push(batch);
    while (ready.length > 0) await this.deliver(ready.shift()!, abs);
    this.totals.files++;
    this.logger.debug('read a file', { path: abs, lines });
  }

  /** Hands one batch on, retrying "not now" until accepted or stopped. */
  private async deliver(records: LogRecord[], path: string): Promise<void> {
    const n = records.length;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.next.consumeLogs(records);
        this.totals.records += n;
        if (attempt > 0) this.logger.info('the pipeline accepted the batch again', { path, records: n, attempts: attempt + 1 });
        return;
      } catch (err) {
        if (isPermanent(err)) {
          // Counted as refused by the service; nothing to retry.
          this.logger.error('the pipeline refused records permanently; skipping them', { path, records: n, error: err });
          return;
        }
        if (this.stop.signal.aborted) {
          this.metrics.dropped(n, 'shutdown');
          this.logger.warn('stopping before the pipeline accepted a batch; re-run to read it again', { path, records: n, error: err });
          return;
        }
        if (attempt === 0) this.logger.warn('the pipeline refused a batch for now; retrying', { path, records: n, error: err });
        this.metrics.retried(n);
        const cap = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt, 16));
        await sleep(cap / 2 + Math.random() * (cap / 2), this.stop.signal);
      }
    }
  }
}
