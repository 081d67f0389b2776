/**
 * Every record of every real-log fixture against expectations written by hand
 * (test/fixtures/expected/*.ts), plus invariants that hold over all of them: no line is
 * lost or counted twice, failed records keep their raw text, every record has an observed
 * time, and a Go shim record parses the same under `kata[pid]` and `containerd[pid]`.
 */
import assert from 'node:assert/strict';
import type { LogRecord } from '../../pdata/log-record';
import { parseText } from '../../receiver/kata/parse-text';
import type { Expected } from '../fixtures/expected/helpers';
import { REF_MILLIS } from '../fixtures/expected/helpers';
import { expected as agentJson } from '../fixtures/expected/agent-json';
import { expected as ciWrapped } from '../fixtures/expected/ci-wrapped';
import { expected as coco } from '../fixtures/expected/coco';
import { expected as containerd } from '../fixtures/expected/containerd';
import { expected as hypervisor } from '../fixtures/expected/hypervisor';
import { expected as journalJson } from '../fixtures/expected/journal-json';
import { expected as journalShort } from '../fixtures/expected/journal-short';
import { expected as legacy1x } from '../fixtures/expected/legacy-1x';
import { expected as malformed } from '../fixtures/expected/malformed';
import { expected as runtimeLogfmt } from '../fixtures/expected/runtime-logfmt';
import { expected as runtimeRs } from '../fixtures/expected/runtime-rs';
import { expected as stacktrace } from '../fixtures/expected/stacktrace';
import { expected as vmconsole } from '../fixtures/expected/vmconsole';
import type { ParsedRecord } from './fixture-blocks';
import { fixtureFiles, parseBlock, readBlocks } from './fixture-blocks';

const EXPECTED: Record<string, Expected[]> = {
  'agent-json.log': agentJson,
  'ci-wrapped.log': ciWrapped,
  'coco.log': coco,
  'containerd.log': containerd,
  'hypervisor.log': hypervisor,
  'journal-json.log': journalJson,
  'journal-short.log': journalShort,
  'legacy-1x.log': legacy1x,
  'malformed.log': malformed,
  'runtime-logfmt.log': runtimeLogfmt,
  'runtime-rs.log': runtimeRs,
  'stacktrace.log': stacktrace,
  'vmconsole.log': vmconsole,
};

const RELAY_KEYS = ['kata.relay.component', 'kata.relay.format', 'kata.relay.time', 'kata.relay.severity_text', 'kata.relay.depth'];

let assertions = 0;
let recordsChecked = 0;

function eq(actual: unknown, expected: unknown, what: string): void {
  assertions++;
  assert.deepStrictEqual(actual, expected, what);
}

/** An attribute that must have this value, or be absent when `expected` is undefined. */
function attr(r: LogRecord, key: string, expected: unknown, line: number): void {
  eq(r.attributes[key], expected, `line ${line}: ${key}`);
}

function checkRecord(r: LogRecord, e: Expected): void {
  const at = `line ${e.line}`;
  attr(r, 'kata.component', e.component, e.line);
  attr(r, 'kata.log.format', e.format, e.line);
  eq(r.timeUnixNano, e.time, `${at}: timeUnixNano`);
  eq(r.severityNumber, e.severity, `${at}: severityNumber`);
  eq(r.severityText, e.severityText, `${at}: severityText`);
  eq(r.body, e.body, `${at}: body`);
  attr(r, 'kata.sandbox.id', e.sandbox, e.line);
  attr(r, 'container.id', e.container, e.line);
  attr(r, 'kata.parse.status', e.status, e.line);
  attr(r, 'kata.parse.line_count', e.lines, e.line);
  eq(r.eventName, e.event ?? '', `${at}: eventName`);
  if (e.relay === undefined) {
    for (const k of RELAY_KEYS) attr(r, k, undefined, e.line);
  } else {
    attr(r, 'kata.relay.component', e.relay.component, e.line);
    attr(r, 'kata.relay.format', e.relay.format, e.line);
    attr(r, 'kata.relay.time', e.relay.time, e.line);
    attr(r, 'kata.relay.severity_text', e.relay.severityText, e.line);
    attr(r, 'kata.relay.depth', e.relay.depth, e.line);
  }
  for (const [k, v] of Object.entries(e.attrs ?? {})) attr(r, k, v, e.line);
  recordsChecked++;
}

function parseFile(file: string, original = false): ParsedRecord[] {
  return readBlocks(file).flatMap((b) => parseBlock(b, { original }));
}

describe('fixtures', () => {
  after(() => {
    console.log(`      (${recordsChecked} fixture records checked against expectations; ${assertions} assertions in all)`);
  });

  describe('every record matches its hand-written expectation', () => {
    it('has an expectation file for every fixture', () => {
      eq(fixtureFiles(), Object.keys(EXPECTED).sort(), 'fixture files');
    });

    for (const file of Object.keys(EXPECTED)) {
      describe(file, () => {
        const parsed = parseFile(file);
        const byLine = new Map(parsed.map((p) => [p.line, p.record]));

        it('yields exactly the expected records', () => {
          eq(parsed.map((p) => p.line), EXPECTED[file]!.map((e) => e.line), `${file}: record start lines`);
        });

        for (const e of EXPECTED[file]!) {
          it(`line ${e.line}: ${e.component} ${e.format}`, () => {
            const r = byLine.get(e.line);
            assert.ok(r, `no record starts at line ${e.line}`);
            checkRecord(r, e);
          });
        }
      });
    }
  });

  describe('invariants over all records', () => {
    const all = fixtureFiles().map((file) => ({ file, blocks: readBlocks(file) }));

    it('puts every non-blank line in exactly one record, with its text in log.record.original', () => {
      for (const { file, blocks } of all) {
        for (const block of blocks) {
          const parsed = parseBlock(block, { original: true });
          const seen = new Map<number, number>();
          for (const p of parsed) {
            const original = p.record.attributes['log.record.original'] as string;
            eq(original, p.covered.map((l) => l.text).join('\n'), `${file}:${p.line} original text`);
            for (const l of p.covered) seen.set(l.n, (seen.get(l.n) ?? 0) + 1);
          }
          for (const l of block.lines) {
            const count = seen.get(l.n) ?? 0;
            if (l.text.trim() === '') assert.ok(count <= 1, `${file}:${l.n} blank line in ${count} records`);
            else eq(count, 1, `${file}:${l.n} is in ${count} records`);
          }
        }
      }
    });

    it('gives a failed record the unknown component and the raw text as body', () => {
      let failed = 0;
      for (const { file, blocks } of all) {
        for (const p of blocks.flatMap((b) => parseBlock(b, { original: true }))) {
          if (p.record.attributes['kata.parse.status'] !== 'failed') continue;
          failed++;
          eq(p.record.attributes['kata.component'], 'unknown', `${file}:${p.line} component`);
          eq(p.record.body, p.record.attributes['log.record.original'], `${file}:${p.line} body`);
        }
      }
      assert.ok(failed > 0, 'the fixtures hold unrecognisable lines; none failed');
    });

    it('sets observedTimeUnixNano on every record', () => {
      for (const { file } of all) {
        for (const p of parseFile(file)) {
          assert.match(p.record.observedTimeUnixNano, /^[1-9]\d{15,}$/, `${file}:${p.line}`);
          assertions++;
        }
      }
    });

    it('parses a Go shim record the same under kata[pid] and containerd[pid]', () => {
      let twins = 0;
      for (const { file, blocks } of all) {
        for (const l of blocks.flatMap((b) => b.lines)) {
          // The payload after a journal prefix (or the bare line): logfmt records only.
          const m = /^(?:\S+ # )?(?:\S{1,12} {1,3}\d{1,2} \d\d:\d\d:\d\d \S+ [^\s[:]+\[\d+\]: )?( ?(?:time|level)=.*)$/.exec(l.text);
          if (m === null) continue;
          const payload = m[1]!;
          const [a] = parseText(`Jan 10 14:59:16 host kata[4242]: ${payload}`, { refMillis: REF_MILLIS });
          const [b] = parseText(`Jan 10 14:59:16 host containerd[712]: ${payload}`, { refMillis: REF_MILLIS });
          assert.ok(a && b);
          for (const k of ['body', 'timeUnixNano', 'severityNumber', 'severityText'] as const) eq(b[k], a[k], `${file}:${l.n} ${k}`);
          for (const k of ['kata.sandbox.id', 'container.id']) eq(b.attributes[k], a.attributes[k], `${file}:${l.n} ${k}`);
          eq(a.attributes['kata.log.identifier'], 'kata', `${file}:${l.n} identifier`);
          eq(b.attributes['kata.log.identifier'], 'containerd', `${file}:${l.n} identifier`);
          twins++;
        }
      }
      assert.ok(twins >= 100, `only ${twins} logfmt lines found`);
    });
  });
});
