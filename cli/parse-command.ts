/**
 * `kata-otel parse [FILE ...|-]`: the offline converter.
 *
 * Each input runs through readLines → StreamParser (one per input, so multi-line records
 * and the learnt clock never cross files) → the chosen formatter → a batched stdout
 * writer. The command never calls process.exit; it returns the exit code to the bin.
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { LogRecord } from '../pdata/log-record';
import { nowNanos } from '../pdata/time';
import type { LineReaderStats } from '../receiver/input/line-reader';
import { readLines } from '../receiver/input/line-reader';
import { StreamParser } from '../receiver/kata/stream-parser';
import { SigmaEngine } from '../processors/sigma/engine';
import { formatIssue } from '../processors/sigma/errors';
import { loadPack } from '../processors/sigma/pack';
import { rulePaths } from '../processors/sigma/load-config';
import type { OutputFormat } from './formatters';
import { createFormatter, OUTPUT_FORMATS } from './formatters';
import type { OpenedInput, TapHooks } from './input';
import { describeError, openFile, openStdin, tap } from './input';
import { OutputSink } from './output-sink';
import { PROGRESS_MIN_BYTES, ProgressBar } from './progress';
import type { RunTotals } from './summary';
import { SummaryCounter } from './summary';
import { UsageError } from './usage';

export interface ParseOptions {
  output: OutputFormat;
  original: boolean;
  summary: boolean;
  batchSize: number;
  /** Paths as given; '-' is stdin. Empty means stdin. */
  files: string[];
  /**
   * Sigma tagging: the bundled pack and/or more rule paths (absent: no tagging); with
   * `correlations`, the events of correlation rules are written too (off by default, so the
   * output stays one record per log entry).
   */
  rules?: { bundled: boolean; paths: string[]; correlations?: boolean };
}

export const DEFAULT_BATCH_SIZE = 512;
const MAX_BATCH_SIZE = 1_000_000;
/** Live input idle time after which a held record is written. */
export const IDLE_FLUSH_MS = 500;

export type ParseArgsResult = { help: true } | { help: false; options: ParseOptions };

/** Reads the arguments after `parse`. Throws UsageError on any mistake. */
export function parseParseArgs(args: string[]): ParseArgsResult {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        original: { type: 'boolean' },
        summary: { type: 'boolean' },
        'batch-size': { type: 'string' },
        rules: { type: 'string', multiple: true },
        'no-rules': { type: 'boolean' },
        correlations: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // node:util reports unknown options, missing values and the like as TypeErrors.
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help === true) return { help: true };
  const output = v.output ?? 'ndjson';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`bad --output value '${output}': use one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  let batchSize = DEFAULT_BATCH_SIZE;
  if (v['batch-size'] !== undefined) {
    const text = v['batch-size'];
    batchSize = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
    if (!(batchSize >= 1 && batchSize <= MAX_BATCH_SIZE)) {
      throw new UsageError(`bad --batch-size value '${text}': use a whole number from 1 to ${MAX_BATCH_SIZE}`);
    }
  }
  return {
    help: false,
    options: {
      output: output as OutputFormat,
      original: v.original === true,
      summary: v.summary === true,
      batchSize,
      files: parsed.positionals,
      rules: { bundled: v['no-rules'] !== true, paths: v.rules ?? [], correlations: v.correlations === true },
    },
  };
}

type TtyWritable = Writable & { isTTY?: boolean; columns?: number };

export interface ParseIo {
  stdin: Readable & { fd?: number };
  stdout: TtyWritable;
  stderr: TtyWritable;
  /** Aborted when the run should stop early (SIGINT/SIGTERM). */
  signal: AbortSignal;
  /** Scope version written in otlp-json. */
  version: string;
}

/** Runs the command; resolves to the exit code (0 ok, 1 input/output error). */
export async function runParse(opts: ParseOptions, io: ParseIo): Promise<number> {
  const sink = new OutputSink(io.stdout);
  const formatter = createFormatter(opts.output, sink, {
    scope: { name: 'kata-otel', version: io.version },
    batchSize: opts.batchSize,
    terminalColumns: io.stdout.isTTY === true ? io.stdout.columns : undefined,
  });
  const summary = opts.summary ? new SummaryCounter() : undefined;
  const totals: RunTotals = {
    inputs: 0, inputErrors: 0, linesRead: 0, linesCut: 0, blankLines: 0, records: 0, failed: 0, partial: 0,
  };
  // Reading stops early on a signal or when the output is gone.
  const stopper = new AbortController();
  const stop = stopper.signal;
  if (io.signal.aborted) stopper.abort();
  else io.signal.addEventListener('abort', () => stopper.abort(), { once: true });
  void sink.whenClosed.then(() => stopper.abort());
  const write = summary === undefined
    ? (r: LogRecord): void => formatter.record(r)
    : (r: LogRecord): void => {
      summary.add(r);
      formatter.record(r);
    };
  const complain = (msg: string): void => {
    io.stderr.write(`kata-otel: ${msg}\n`);
  };
  let emit = write;
  const paths = opts.rules === undefined ? [] : rulePaths(opts.rules);
  if (paths.length > 0) {
    const { pack, issues } = loadPack(paths);
    if (issues.length > 0) {
      for (const i of issues) complain(formatIssue(i));
      return 1;
    }
    // One engine for the run: correlation windows span all inputs, as in the sidecar.
    const engine = new SigmaEngine(pack);
    const one: LogRecord[] = [];
    const correlations = opts.rules?.correlations === true;
    emit = (r: LogRecord): void => {
      one[0] = r;
      const out = engine.process(one);
      if (out === one || !correlations) write(r);
      else for (const x of out) write(x);
    };
  }

  const parseOne = async (input: OpenedInput, label: string): Promise<void> => {
    // A file's mtime is the reference for dates without a year: its lines were written
    // before it. Stdin has none, so the parser uses the current time.
    const parser = new StreamParser(
      { original: opts.original, filePath: input.path === '' ? undefined : input.path, refMillis: input.mtimeMs },
      emit,
    );
    let lines = 0;
    let bytes = 0;
    const progress = io.stderr.isTTY === true && input.size > PROGRESS_MIN_BYTES
      ? new ProgressBar(io.stderr, label, input.size)
      : undefined;
    const hooks: TapHooks = {
      beforeRead: () => sink.writable(),
      onChunk: (n) => {
        bytes += n;
        parser.observedTimeUnixNano = nowNanos();
        progress?.update(bytes, lines);
      },
      stop,
    };
    if (input.live) {
      hooks.idleMs = IDLE_FLUSH_MS;
      hooks.onIdle = () => {
        parser.flush();
        formatter.flush();
        sink.flush();
      };
    }
    let stats: LineReaderStats | undefined;
    try {
      stats = await readLines(tap(input.stream, hooks), (text, n) => {
        lines++;
        parser.line(text, n);
      });
    } catch (err) {
      progress?.done();
      if (!stop.aborted) {
        complain(`${label}: read failed after ${lines} lines: ${describeError(err)}`);
        totals.inputErrors++;
      }
    }
    progress?.done();
    // What was read still counts, even after an error or an early stop.
    parser.flush();
    totals.linesRead += lines;
    totals.linesCut += stats?.cutLines ?? 0;
    totals.blankLines += parser.stats.blankLines;
    totals.records += parser.stats.records;
    totals.failed += parser.stats.failed;
    totals.partial += parser.stats.partial;
  };

  formatter.start();
  const inputs = opts.files.length > 0 ? opts.files : ['-'];
  let stdinTaken = false;
  for (const name of inputs) {
    if (stop.aborted) break;
    totals.inputs++;
    if (name === '-') {
      if (stdinTaken) continue; // read once; a second '-' would see it at its end anyway
      stdinTaken = true;
      await parseOne(openStdin(io.stdin), '(stdin)');
      continue;
    }
    let input: OpenedInput;
    try {
      input = await openFile(name);
    } catch (err) {
      complain(`cannot read '${name}': ${describeError(err)}`);
      totals.inputErrors++;
      continue;
    }
    await parseOne(input, name);
  }
  formatter.end();
  await sink.end();

  if (sink.error !== undefined) {
    complain(`cannot write output: ${describeError(sink.error)}`);
    return 1;
  }
  // A reader that went away (`| head`) is a normal end: no summary, no message.
  if (sink.brokenPipe) return 0;
  if (summary !== undefined) io.stderr.write(summary.render(totals));
  return totals.inputErrors > 0 ? 1 : 0;
}
