/**
 * The tagging phase of `npm run bench`: what the sigma processor costs per record.
 *
 * The corpus is parsed once and the first `maxRecords` records are kept; a second, warm
 * parse pass is timed (the parse cost per record the sidecar pays anyway). Each rule set
 * then runs over the kept records in batches of 512, as the processor sees them, `runs`
 * times after a warm-up; the median of records per CPU-second is reported for:
 *   none       an empty pack (the engine's fixed cost per record);
 *   pack       the bundled pack in rules/ (the test fixture pack while rules/ is empty);
 *   synthetic  60 generated rules and 2 correlations over the corpus vocabulary, a
 *              stand-in for a grown pack (literals, wildcards, regexes, services, numbers).
 * Targets, on the bundled pack (synthetic while there is none):
 *   engine records per CPU-second >= 200,000;
 *   parse+tag throughput >= 1/2 of parse+no-rules throughput (per record: the parse cost
 *   measured here plus each engine's cost). The engine-only ratio to `none` is reported as
 *   well; an empty pack costs almost nothing, so that ratio says little on its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogRecord } from '../pdata/log-record';
import { SigmaEngine } from '../processors/sigma/engine';
import { formatIssue } from '../processors/sigma/errors';
import { bundledRulesDir, packageRoot } from '../processors/sigma/files';
import type { Pack } from '../processors/sigma/pack';
import { buildPack, EMPTY_PACK, loadPack } from '../processors/sigma/pack';
import { readLines } from '../receiver/input/line-reader';
import { StreamParser } from '../receiver/kata/stream-parser';

export const TARGET_TAG_RECORDS_PER_CPU_S = 200_000;
export const TARGET_TAG_RATIO = 1 / 2;
const BATCH = 512;

export interface TaggingArm {
  name: string;
  source: string;
  rules: number;
  correlations: number;
  recordsPerCpuS: number;
  cpuS: number;
  /** Records tagged in the last run (correlation events not counted). */
  tagged: number;
  correlationEvents: number;
  /** Parse + this engine, records per CPU-second. */
  pipelineRecordsPerCpuS: number;
}

export interface TaggingResult {
  records: number;
  parseCpuS: number;
  parseRecordsPerCpuS: number;
  arms: TaggingArm[];
  /** The arm the targets apply to. */
  checked: string;
  engineRatio: number;
  pipelineRatio: number;
  checks: { name: string; target: string; actual: string; status: 'PASS' | 'FAIL' }[];
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const WORDS = [
  'ExecProcess', 'CreateContainer', 'debug_console', 'Kernel panic', 'denied', 'policy', 'attestation', 'failed', 'timeout',
  'vsock', 'hypervisor', 'virtiofsd', 'oom', 'SIGKILL', 'seccomp', 'privileged', 'hostPath', 'mount', 'agent', 'sandbox',
];
const SERVICES = ['agent', 'runtime', 'runtime-rs', 'guest-kernel', 'hypervisor', 'container-manager'];

/** A deterministic stand-in for a grown pack: 60 rules of the shapes real rules take, 2 correlations. */
function syntheticDocs(): unknown[] {
  const docs: unknown[] = [];
  for (let i = 0; i < 60; i++) {
    const w = WORDS[i % WORDS.length]!;
    const v = WORDS[(i * 7 + 3) % WORDS.length]!;
    const shapes: Record<string, unknown>[] = [
      { selection: { 'body|contains': w }, condition: 'selection' },
      { selection: { 'body|contains|all': [w, v] }, filter: { 'k8s.namespace.name|startswith': 'ci-' }, condition: 'selection and not filter' },
      { selection: { 'body|re': `${w.replace(/ /g, '\\s+')} [a-z]+ [0-9]{2,}` }, condition: 'selection' },
      { selection: { 'body|startswith': [w, v] }, other: { 'kata.subsystem': ['rpc', 'container'] }, condition: 'selection and other' },
      { keywords: [`${w}*${v}`, `*${v}?`], condition: 'keywords' },
      { selection: { 'process.pid|gt': 100000 }, condition: 'selection' },
    ];
    docs.push({
      title: `synthetic ${i}`, id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, name: `synthetic_${i}`,
      level: ['low', 'medium', 'high', 'critical'][i % 4], tags: ['attack.t1609', 'kata.category.policy'],
      logsource: i % 3 === 0 ? { product: 'kata' } : { product: 'kata', service: SERVICES[i % SERVICES.length] },
      detection: shapes[i % shapes.length],
    });
  }
  docs.push({
    title: 'synthetic burst', id: '00000000-0000-4000-8000-100000000001', level: 'high', tags: ['kata.category.container-exec'],
    correlation: { type: 'event_count', rules: ['synthetic_0', 'synthetic_20'], 'group-by': ['kata.sandbox.id'], timespan: '1m', condition: { gte: 5 }, generate: true },
  });
  docs.push({
    title: 'synthetic spread', id: '00000000-0000-4000-8000-100000000002', level: 'medium', tags: ['kata.category.availability'],
    correlation: { type: 'value_count', rules: ['synthetic_1'], 'group-by': ['host.name'], timespan: '5m', condition: { field: 'kata.sandbox.id', gte: 10 }, generate: true },
  });
  return docs;
}

/** Parses the file; the CPU time is of this pass, so the caller times a warm second pass. */
async function parseRecords(file: string, refMillis: number, maxRecords: number): Promise<{ records: LogRecord[]; cpuS: number; parsed: number }> {
  const records: LogRecord[] = [];
  let parsed = 0;
  const cpu0 = process.cpuUsage();
  const parser = new StreamParser({ refMillis }, (r) => {
    parsed++;
    if (records.length < maxRecords) records.push(r);
  });
  await readLines(fs.createReadStream(file), (text, n) => parser.line(text, n));
  parser.flush();
  const cpu = process.cpuUsage(cpu0);
  return { records, cpuS: (cpu.user + cpu.system) / 1e6, parsed };
}

function runArm(pack: Pack, records: LogRecord[], runs: number, warmup: boolean): { recordsPerCpuS: number; cpuS: number; tagged: number; events: number } {
  const once = (): { rate: number; cpuS: number; tagged: number; events: number } => {
    const engine = new SigmaEngine(pack);
    let tagged = 0;
    let events = 0;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < records.length; i += BATCH) {
      const batch = records.slice(i, i + BATCH);
      const out = engine.process(batch);
      events += out.length - batch.length;
    }
    const cpu = process.cpuUsage(cpu0);
    for (const c of engine.drainCounts().matched.values()) tagged += c;
    const cpuS = (cpu.user + cpu.system) / 1e6;
    return { rate: records.length / cpuS, cpuS, tagged, events };
  };
  if (warmup) once();
  const all = Array.from({ length: runs }, once);
  const last = all[all.length - 1]!;
  return { recordsPerCpuS: median(all.map((r) => r.rate)), cpuS: median(all.map((r) => r.cpuS)), tagged: last.tagged, events: last.events };
}

/** Strips what a previous arm wrote, so every arm sees the parser's records. */
function untag(records: LogRecord[]): void {
  for (const r of records) {
    for (const k of Object.keys(r.attributes)) if (k.startsWith('security_rule.') || k.startsWith('kata.security.')) delete r.attributes[k];
  }
}

export async function taggingPhase(
  corpusFile: string,
  refMillis: number,
  opts: { runs: number; warmup: boolean; maxRecords?: number; log: (s: string) => void },
): Promise<TaggingResult> {
  const { records } = await parseRecords(corpusFile, refMillis, opts.maxRecords ?? 300_000);
  // The parse cost per record comes from a second, warm pass (the first one includes JIT warm-up).
  const { cpuS: parseCpuS, parsed } = await parseRecords(corpusFile, refMillis, 0);
  const parseRecordsPerCpuS = parsed / parseCpuS;
  opts.log(`  parsed ${fmtInt(parsed)} records once in ${parseCpuS.toFixed(2)} CPU-s (${fmtInt(parseRecordsPerCpuS)} records/CPU-s); tagging the first ${fmtInt(records.length)}`);

  const bundled = bundledRulesDir();
  const fixture = path.join(packageRoot(), 'test', 'fixtures', 'sigma', 'pack');
  const useBundled = fs.existsSync(bundled) && loadPack([bundled]).pack.rules.length > 0;
  const packDir = useBundled ? bundled : fixture;
  const loaded = loadPack([packDir]);
  if (loaded.issues.length > 0) throw new Error(`cannot load ${packDir}:\n${loaded.issues.map(formatIssue).join('\n')}`);
  const synthetic = buildPack([{ file: 'synthetic', docs: syntheticDocs() }]);
  if (synthetic.issues.length > 0) throw new Error(synthetic.issues.map(formatIssue).join('\n'));

  const sets: [string, string, Pack][] = [
    ['none', 'no rules', EMPTY_PACK],
    ['pack', useBundled ? path.relative(process.cwd(), bundled) : `${path.relative(process.cwd(), fixture)} (rules/ is empty)`, loaded.pack],
    ['synthetic', '60 generated rules + 2 correlations', synthetic.pack],
  ];
  const arms: TaggingArm[] = [];
  for (const [name, source, pack] of sets) {
    untag(records);
    const r = runArm(pack, records, opts.runs, opts.warmup);
    const pipeline = 1 / (1 / parseRecordsPerCpuS + 1 / r.recordsPerCpuS);
    arms.push({
      name, source, rules: pack.rules.length, correlations: pack.correlations.length, recordsPerCpuS: r.recordsPerCpuS, cpuS: r.cpuS,
      tagged: r.tagged, correlationEvents: r.events, pipelineRecordsPerCpuS: pipeline,
    });
    opts.log(`  ${name.padEnd(9)} ${fmtInt(r.recordsPerCpuS)} records/CPU-s, ${fmtInt(r.tagged)} tags, ${fmtInt(r.events)} correlation events`);
  }
  const none = arms[0]!;
  const checked = useBundled ? arms[1]! : arms[2]!;
  const engineRatio = checked.recordsPerCpuS / none.recordsPerCpuS;
  const pipelineRatio = checked.pipelineRecordsPerCpuS / none.pipelineRecordsPerCpuS;
  const checks: TaggingResult['checks'] = [
    {
      name: `tagging records per CPU-second (${checked.name})`, target: `>= ${fmtInt(TARGET_TAG_RECORDS_PER_CPU_S)}`, actual: fmtInt(checked.recordsPerCpuS),
      status: checked.recordsPerCpuS >= TARGET_TAG_RECORDS_PER_CPU_S ? 'PASS' : 'FAIL',
    },
    {
      name: `parse+tag / parse+no rules (${checked.name})`, target: '>= 0.500 (1/2)', actual: pipelineRatio.toFixed(3),
      status: pipelineRatio >= TARGET_TAG_RATIO ? 'PASS' : 'FAIL',
    },
  ];
  return { records: records.length, parseCpuS, parseRecordsPerCpuS, arms, checked: checked.name, engineRatio, pipelineRatio, checks };
}

/** The readable lines of the report. */
export function formatTagging(t: TaggingResult): string[] {
  const out = [`Tagging (sigma engine, batches of ${BATCH}, ${fmtInt(t.records)} parsed records; parse alone ${fmtInt(t.parseRecordsPerCpuS)} records/CPU-s):`];
  out.push(`  ${'rules'.padEnd(10)} ${'rules'.padStart(5)} ${'corr'.padStart(4)} ${'records/CPU-s'.padStart(14)} ${'parse+tag/CPU-s'.padStart(16)} ${'tags'.padStart(9)} ${'events'.padStart(7)}  source`);
  for (const a of t.arms) {
    out.push(`  ${a.name.padEnd(10)} ${String(a.rules).padStart(5)} ${String(a.correlations).padStart(4)} ${fmtInt(a.recordsPerCpuS).padStart(14)} ${fmtInt(a.pipelineRecordsPerCpuS).padStart(16)} ${fmtInt(a.tagged).padStart(9)} ${fmtInt(a.correlationEvents).padStart(7)}  ${a.source}`);
  }
  out.push(`  ${t.checked} / none: engine only ${t.engineRatio.toFixed(3)}, parse+tag ${t.pipelineRatio.toFixed(3)}`);
  return out;
}
