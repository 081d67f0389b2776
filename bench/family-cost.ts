/**
 * Parse cost per corpus family, for finding where the parser's time goes.
 *
 * Generates the bench corpus in memory (same generator, seed and start time as run.ts), keeps
 * each line's family, decodes every line the way the line reader does (one-byte strings for
 * ASCII), then parses each family's lines on their own, in corpus order, through a fresh
 * StreamParser: a few warm-up passes, then `--runs` measured passes (no forced GC between them). Reports CPU µs per line
 * and each family's share of the whole parse time (weighted by its share of lines), plus
 * the same for the whole corpus parsed in order and for the line split alone.
 *
 *   node --expose-gc dist/bench/family-cost.js [--lines N] [--runs N] [--only fam1,fam2]
 *
 * The figures are for comparing one build of the parser with another, not the bench's targets:
 * family-by-family parsing changes what the twin table and the clock caches see.
 */
import type { Family } from './corpus';
import { DEFAULT_SEED, DEFAULT_START_MILLIS, FAMILIES, generateCorpus } from './corpus';
import { StreamParser } from '../receiver/kata/stream-parser';
import type { LogRecord } from '../pdata/log-record';
import { isAscii } from 'node:buffer';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}

const lines = Number(arg('--lines', '200000'));
const runs = Number(arg('--runs', '5'));
const only = arg('--only', '');
const gc = (globalThis as { gc?: () => void }).gc;

function decode(s: string): string {
  const b = Buffer.from(s, 'utf8');
  return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
}

function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

let sink = 0;
const emit = (r: LogRecord): void => {
  sink += r.body.length + r.severityNumber + r.timeUnixNano.length;
};

function parseAll(text: string[], collect: boolean): number {
  if (collect) gc?.();
  const t0 = cpuUs();
  const p = new StreamParser({ refMillis: DEFAULT_START_MILLIS }, emit);
  for (let i = 0; i < text.length; i++) p.line(text[i]!, i + 1);
  p.flush();
  return cpuUs() - t0;
}

function splitOnly(buf: Buffer): number {
  gc?.();
  const t0 = cpuUs();
  let start = 0;
  let n = 0;
  for (let nl = buf.indexOf(10, 0); nl >= 0; nl = buf.indexOf(10, start)) {
    const b = buf.subarray(start, nl);
    sink += (isAscii(b) ? b.toString('latin1') : b.toString('utf8')).length;
    n++;
    start = nl + 1;
  }
  return cpuUs() - t0;
}

/** Families run without a forced GC between passes (steady state); the whole corpus with one, as run.ts does. */
function measure(text: string[], collect: boolean): number {
  for (let i = 0; i < 2; i++) parseAll(text, collect);
  const us: number[] = [];
  for (let i = 0; i < runs; i++) us.push(parseAll(text, collect));
  us.sort((a, b) => a - b);
  return us[us.length >> 1]! / Math.max(1, text.length);
}

const gen = generateCorpus({ lines, seed: DEFAULT_SEED, startMillis: DEFAULT_START_MILLIS });
const all = gen.lines.map(decode);
const byFamily = new Map<Family, string[]>();
for (let i = 0; i < all.length; i++) {
  const f = gen.families[i]!;
  let list = byFamily.get(f);
  if (list === undefined) byFamily.set(f, (list = []));
  list.push(all[i]!);
}

const rows: Array<{ name: string; lines: number; us: number }> = [];
for (const f of FAMILIES) {
  if (only !== '' && !only.split(',').includes(f)) continue;
  const text = byFamily.get(f) ?? [];
  if (text.length === 0) continue;
  rows.push({ name: f, lines: text.length, us: measure(text, false) });
}
const wholeUs = only === '' ? measure(all, true) : NaN;
const buf = Buffer.from(all.join('\n') + '\n', 'latin1');
const split: number[] = [];
for (let i = 0; i < runs + 2; i++) split.push(splitOnly(buf));
split.sort((a, b) => a - b);
const splitUs = split[split.length >> 1]! / all.length;

const weighted = rows.reduce((s, r) => s + r.us * r.lines, 0);
console.log(`${lines} lines, median of ${runs} runs; CPU µs per line`);
console.log(`  ${'family'.padEnd(20)} ${'lines'.padStart(8)} ${'µs/line'.padStart(8)} ${'share'.padStart(7)}`);
for (const r of rows) {
  console.log(`  ${r.name.padEnd(20)} ${String(r.lines).padStart(8)} ${r.us.toFixed(2).padStart(8)} ${((100 * r.us * r.lines) / weighted).toFixed(1).padStart(6)}%`);
}
console.log(`  ${'sum of families'.padEnd(20)} ${String(rows.reduce((s, r) => s + r.lines, 0)).padStart(8)} ${(weighted / Math.max(1, rows.reduce((s, r) => s + r.lines, 0))).toFixed(2).padStart(8)}`);
if (!Number.isNaN(wholeUs)) console.log(`  ${'whole corpus'.padEnd(20)} ${String(all.length).padStart(8)} ${wholeUs.toFixed(2).padStart(8)}  (${Math.round(1e6 / wholeUs).toLocaleString('en-US')} lines/CPU-s, line reading excluded)`);
console.log(`  ${'line split + decode'.padEnd(20)} ${String(all.length).padStart(8)} ${splitUs.toFixed(2).padStart(8)}`);
if (sink === 0) console.log('');
