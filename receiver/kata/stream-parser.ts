/**
 * Line-at-a-time driver of the recombiner and parser, for files, stdin and (later) the
 * sidecar's receivers. It keeps the counts a summary or a metric needs.
 */
import type { LogRecord } from '../../pdata/log-record';
import { nowNanos } from '../../pdata/time';
import { isBlank } from './parse-text';
import type { ParserOptions } from './parser';
import { KataParser } from './parser';
import type { Entry, RecombinerOptions } from './recombine';
import { Recombiner } from './recombine';

export interface StreamParserStats {
  records: number;
  blankLines: number;
  failed: number;
  partial: number;
}

export class StreamParser {
  readonly stats: StreamParserStats = { records: 0, blankLines: 0, failed: 0, partial: 0 };
  private readonly parser: KataParser;
  private readonly recombiner: Recombiner;
  /** Observed time is read once per call of `line`'s caller batch, not per record. */
  observedTimeUnixNano = nowNanos();

  constructor(
    opts: ParserOptions & RecombinerOptions,
    private readonly emit: (record: LogRecord) => void,
  ) {
    this.parser = new KataParser(opts);
    this.recombiner = new Recombiner(opts);
  }

  line(text: string, lineNumber: number): void {
    const done = this.recombiner.push(text, lineNumber);
    if (done !== undefined) this.take(done);
  }

  /** Emits the record held for a possible continuation (end of input or idle). */
  flush(): void {
    const done = this.recombiner.flush();
    if (done !== undefined) this.take(done);
  }

  private take(entry: Entry): void {
    if (isBlank(entry)) {
      this.stats.blankLines++;
      return;
    }
    const record = this.parser.parse(entry, this.observedTimeUnixNano);
    this.stats.records++;
    const status = this.parser.lastStatus;
    if (status === 'failed') this.stats.failed++;
    else if (status === 'partial') this.stats.partial++;
    this.emit(record);
  }
}

/**
 * One idle instance of each long-lived parsing class, for the life of the process. The
 * engine's optimized parsing code is specialized to the hidden classes of these objects;
 * when the last instance of a class is collected (one parser ends, the next has not been
 * made yet), the engine drops those classes and throws that code away, and every new
 * parser then runs unoptimized until it is compiled again. Holding one instance keeps the
 * classes, so a new parser starts with the code of the last one.
 */
export const SHAPE_ANCHORS: readonly object[] = [new StreamParser({}, () => {})];
