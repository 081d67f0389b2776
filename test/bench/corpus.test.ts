import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Family } from '../../bench/corpus';
import { FAMILIES, MIX, generateCorpus, writeCorpus } from '../../bench/corpus';
import type { LogRecord } from '../../pdata/log-record';
import { StreamParser } from '../../receiver/kata/stream-parser';

const SAMPLE = 40_000;

function parseSample(lines: string[], startMillis: number): LogRecord[] {
  const out: LogRecord[] = [];
  const parser = new StreamParser({ refMillis: startMillis }, (r) => out.push(r));
  for (let i = 0; i < lines.length; i++) parser.line(lines[i]!, i + 1);
  parser.flush();
  return out;
}

describe('bench corpus generator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateCorpus({ lines: 5000, seed: 42 });
    const b = generateCorpus({ lines: 5000, seed: 42 });
    const c = generateCorpus({ lines: 5000, seed: 43 });
    assert.deepEqual(a.lines, b.lines);
    assert.deepEqual(a.families, b.families);
    assert.notDeepEqual(a.lines, c.lines);
  });

  it('writes to a file exactly what it generates in memory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-bench-'));
    try {
      const file = path.join(dir, 'corpus.log');
      const summary = writeCorpus(file, { lines: 3000, seed: 7 });
      const mem = generateCorpus({ lines: 3000, seed: 7 });
      const text = fs.readFileSync(file, 'utf8');
      assert.equal(text, mem.lines.join('\n') + '\n');
      assert.equal(summary.lines, 3000);
      assert.equal(summary.bytes, fs.statSync(file).size);
      assert.deepEqual(summary, mem.summary);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('produces exactly the requested number of physical lines', () => {
    for (const n of [0, 1, 2, 3, 17, 1000, 12_345]) {
      const g = generateCorpus({ lines: n, seed: n + 1 });
      assert.equal(g.lines.length, n, `lines for n=${n}`);
      assert.equal(g.families.length, n);
      for (const l of g.lines) assert.ok(!/[\n\r]/.test(l), 'a generated line holds a line break');
    }
  });

  it('does not repeat lines trivially and keeps time monotonic', () => {
    const g = generateCorpus({ lines: SAMPLE });
    // Only the deliberate containerd duplicates (and short damaged text) repeat a payload.
    const distinct = new Set(g.lines).size;
    assert.ok(distinct / g.lines.length > 0.97, `distinct lines ${distinct} of ${g.lines.length}`);
    let last = '';
    for (const l of g.lines) {
      const m = /^\S+ \S+ \S+ \S+ kata\[\d+\]: time="([^"]+)"/.exec(l);
      if (m === null) continue;
      assert.ok(m[1]! >= last, `time went back: ${m[1]} after ${last}`);
      last = m[1]!;
    }
  });

  it('realises the documented mix', () => {
    const g = generateCorpus({ lines: SAMPLE });
    for (const spec of MIX) {
      const got = g.summary.families[spec.family].percent;
      // Binomial noise on the event draws, scaled by the lines one event writes.
      const p = spec.share / 100;
      const tol = 100 * (5 * Math.sqrt((p * (1 - p) * spec.linesPerEvent) / SAMPLE) + 0.002);
      assert.ok(Math.abs(got - spec.share) <= tol, `${spec.family}: ${got.toFixed(3)}% vs target ${spec.share}% (tolerance ${tol.toFixed(3)})`);
      assert.ok(g.summary.families[spec.family].lines > 0, `${spec.family} missing from the sample`);
    }
    assert.ok(Math.abs(MIX.reduce((s, m) => s + m.share, 0) - 100) < 1e-9);
    assert.deepEqual(MIX.map((m) => m.family), [...FAMILIES]);
  });

  it('parses with failed records only from the malformed family, in its share of the mix', () => {
    const g = generateCorpus({ lines: SAMPLE });
    const records = parseSample(g.lines, g.summary.startMillis);
    const byFamily = new Map<Family, { records: number; failed: number }>(FAMILIES.map((f) => [f, { records: 0, failed: 0 }]));
    for (const r of records) {
      const line = r.attributes['kata.log.line_number'];
      assert.equal(typeof line, 'number');
      const family = g.families[(line as number) - 1]!;
      const t = byFamily.get(family)!;
      t.records++;
      if (r.attributes['kata.parse.status'] === 'failed') t.failed++;
    }
    for (const [family, t] of byFamily) {
      if (family === 'malformed') {
        assert.ok(t.records > 0);
        assert.equal(t.failed, t.records, 'every malformed line must be a failed record');
      } else {
        assert.equal(t.failed, 0, `${family}: ${t.failed} failed records`);
      }
    }
    const failed = records.filter((r) => r.attributes['kata.parse.status'] === 'failed').length;
    const malformedShare = MIX.find((m) => m.family === 'malformed')!.share / 100;
    const fraction = failed / SAMPLE;
    const tol = 5 * Math.sqrt((malformedShare * (1 - malformedShare)) / SAMPLE);
    assert.ok(Math.abs(fraction - malformedShare) <= tol, `failed fraction ${fraction} vs malformed share ${malformedShare}`);
    // Every malformed line is its own record: it never joins a neighbour, nor swallows one.
    assert.equal(failed, g.summary.families.malformed.lines);
  });
});
