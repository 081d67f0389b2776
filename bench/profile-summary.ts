/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self
 * time, and the share of samples spent under the parser's source files.
 *
 *   node dist/bench/profile-summary.js bench/out/prof/<file>.cpuprofile [--top 10] [--json out.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  name: string;
  location: string;
  selfMs: number;
  selfPercent: number;
  totalMs: number;
  totalPercent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  samples: number;
  top: FunctionCost[];
  /** Self time grouped by source file (project-relative), largest first. */
  byFile: Array<{ file: string; selfMs: number; selfPercent: number }>;
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const u = url.replace(/^file:\/\//, '');
  const i = u.indexOf('/dist/');
  if (i >= 0) return u.slice(i + 6);
  return u.startsWith('node:') ? u : path.basename(u);
}

export function summarize(file: string, top = 10): ProfileSummary {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of prof.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Self time per node: each sample's time delta goes to the node that was on top.
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = Math.max(0, prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0);
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    totalUs += dt;
  }

  const keyOf = (n: ProfileNode): string => {
    const cf = n.callFrame;
    return `${cf.functionName || '(anonymous)'}\u0000${cf.url}\u0000${cf.lineNumber}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const k = keyOf(n);
    self.set(k, (self.get(k) ?? 0) + us);
    const f = shortUrl(n.callFrame.url);
    fileSelf.set(f, (fileSelf.get(f) ?? 0) + us);
    // Total (inclusive) time: once per distinct function on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = keyOf(byId.get(cur)!);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number): number => (totalUs === 0 ? 0 : Math.round((1000 * us) / totalUs) / 10);
  const rows: FunctionCost[] = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => {
      const [name, url, line] = k.split('\u0000') as [string, string, string];
      const t = total.get(k) ?? us;
      return {
        name,
        location: url === '' ? '(native)' : `${shortUrl(url)}:${Number(line) + 1}`,
        selfMs: Math.round(us / 100) / 10,
        selfPercent: pct(us),
        totalMs: Math.round(t / 100) / 10,
        totalPercent: pct(t),
      };
    });
  const byFile = [...fileSelf.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([f, us]) => ({ file: f, selfMs: Math.round(us / 100) / 10, selfPercent: pct(us) }));
  return { file, totalMs: Math.round(totalUs / 100) / 10, samples: prof.samples.length, top: rows, byFile };
}

export function formatSummary(s: ProfileSummary, files = 12): string {
  const out: string[] = [];
  out.push(`${s.file}: ${s.samples} samples, ${(s.totalMs / 1000).toFixed(2)} s`);
  out.push(`  ${'self ms'.padStart(9)} ${'self%'.padStart(6)} ${'total%'.padStart(7)}  function (location)`);
  for (const r of s.top) {
    out.push(`  ${r.selfMs.toFixed(1).padStart(9)} ${r.selfPercent.toFixed(1).padStart(6)} ${r.totalPercent.toFixed(1).padStart(7)}  ${r.name} (${r.location})`);
  }
  out.push('  self time by file:');
  for (const f of s.byFile.slice(0, files)) out.push(`  ${f.selfMs.toFixed(1).padStart(9)} ${f.selfPercent.toFixed(1).padStart(6)}  ${f.file}`);
  return out.join('\n');
}

function main(argv: string[]): void {
  let top = 10;
  let json = '';
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--json') json = argv[++i] ?? '';
    else files.push(argv[i]!);
  }
  if (files.length === 0) throw new Error('usage: profile-summary <file.cpuprofile> [--top N] [--json out.json]');
  const summaries = files.map((f) => summarize(f, top));
  for (const s of summaries) console.log(formatSummary(s));
  if (json !== '') fs.writeFileSync(json, JSON.stringify(summaries, null, 2) + '\n');
}

if (require.main === module) main(process.argv.slice(2));
