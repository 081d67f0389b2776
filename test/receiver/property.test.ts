/**
 * Property tests: whatever the input, the parser returns, loses no line and writes
 * well-formed records. Inputs are random text, random bytes, and real fixture lines damaged
 * the ways public pastes damage them (guide section 11), plus deep nesting.
 */
import assert from 'node:assert/strict';
import { goQuote, rustDebugQuote } from '../../receiver/kata/quote';
import fc from 'fast-check';
import type { LogRecord } from '../../pdata/log-record';
import { parseText } from '../../receiver/kata/parse-text';
import { fixtureFiles, readBlocks } from './fixture-blocks';

const REF = Date.UTC(2026, 0, 15, 12, 0, 0);
/** More runs with KATA_PROPERTY_RUNS=20000 when hunting. */
const RUNS = Number(process.env['KATA_PROPERTY_RUNS'] ?? 300);

/** The physical lines parseText sees: split on \n, a final empty line dropped, one trailing \r removed. */
function inputLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const DECIMAL = /^(?:0|[1-9]\d*)$/;

function checkRecord(r: LogRecord): void {
  assert.match(r.timeUnixNano, DECIMAL, 'timeUnixNano');
  assert.match(r.observedTimeUnixNano, DECIMAL, 'observedTimeUnixNano');
  assert.ok(Number.isInteger(r.severityNumber) && r.severityNumber >= 0 && r.severityNumber <= 24, `severityNumber ${r.severityNumber}`);
  for (const k of ['severityText', 'body', 'eventName', 'traceId', 'spanId'] as const) assert.equal(typeof r[k], 'string', k);
  for (const attrs of [r.attributes, r.resource]) {
    for (const [k, v] of Object.entries(attrs)) {
      const ok =
        typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) ||
        (Array.isArray(v) && v.every((x) => typeof x === 'string'));
      assert.ok(ok, `attribute ${k} has value ${JSON.stringify(v)}`);
    }
  }
  const status = r.attributes['kata.parse.status'];
  if (status === 'failed') {
    assert.equal(r.attributes['kata.component'], 'unknown');
    assert.equal(r.body, r.attributes['log.record.original']);
  }
}

/** Parses `text`; checks that it returns, that no non-blank line is lost or doubled, and every record. */
function checkText(text: string, opts: { maxLines?: number; maxBytes?: number } = {}): LogRecord[] {
  const records = parseText(text, { refMillis: REF, original: true, ...opts });
  const lines = inputLines(text);
  const owner = new Array<number>(lines.length).fill(-1);
  records.forEach((r, i) => {
    checkRecord(r);
    const first = r.attributes['kata.log.line_number'] as number;
    const count = (r.attributes['kata.parse.line_count'] as number | undefined) ?? 1;
    assert.ok(Number.isInteger(first) && first >= 1 && first + count - 1 <= lines.length, `record ${i} spans ${first}+${count} of ${lines.length}`);
    const original = r.attributes['log.record.original'] as string;
    assert.equal(original, lines.slice(first - 1, first - 1 + count).join('\n'), `record ${i} original`);
    for (let n = first - 1; n < first - 1 + count; n++) {
      assert.equal(owner[n], -1, `line ${n + 1} is in records ${owner[n]} and ${i}`);
      owner[n] = i;
    }
  });
  lines.forEach((l, n) => {
    if (l.trim() !== '') assert.notEqual(owner[n], -1, `line ${n + 1} ${JSON.stringify(l.slice(0, 80))} is in no record`);
  });
  return records;
}

const FIXTURE_LINES = fixtureFiles().flatMap((f) => readBlocks(f).flatMap((b) => b.lines.map((l) => l.text)));



type Mutation =
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'replace'; at: number; text: string }
  | { op: 'smartQuotes' }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate' }
  | { op: 'split'; at: number }
  | { op: 'join'; other: string }
  | { op: 'cr' }
  | { op: 'ansi'; at: number; code: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 8 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('"', '\\', '=', ' ', '{', '}', '[', '\\"', '\\x', '\\u{', '\n', 'time="', ' level=') }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), text: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 3 }) }),
  fc.constant({ op: 'smartQuotes' as const }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.constant({ op: 'duplicate' as const }),
  fc.record({ op: fc.constant('split' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('join' as const), other: fc.constantFrom(...FIXTURE_LINES) }),
  fc.constant({ op: 'cr' as const }),
  fc.record({ op: fc.constant('ansi' as const), at: fc.nat(), code: fc.constantFrom('\u001b[0;32m', '\u001b[0m', '\\x1b[31m', '\\u{1b}[0;1;39m', '\u001b]0;title\u0007', '\u001b') }),
);

function applyMutation(text: string, m: Mutation): string {
  const at = (n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
  switch (m.op) {
    case 'delete': return text.slice(0, at(m.at)) + text.slice(at(m.at) + m.len);
    case 'insert': return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at));
    case 'replace': return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at) + m.text.length);
    case 'smartQuotes': {
      let open = true;
      return text.replace(/"/g, () => ((open = !open) ? '”' : '“'));
    }
    case 'truncate': return text.slice(0, at(m.at));
    case 'duplicate': return text + '\n' + text;
    case 'split': return text.slice(0, at(m.at)) + '\n' + text.slice(at(m.at));
    case 'join': return text + m.other;
    case 'cr': return text.replace(/\n/g, '\r\n') + '\r';
    case 'ansi': return text.slice(0, at(m.at)) + m.code + text.slice(at(m.at));
  }
}

/** A console payload wrapped `depth` times in Go shim records or runtime-rs `vm console:` lines. */
const nestedConsole = fc
  .tuple(
    fc.constantFrom(
      '{"msg":"say \\"hi\\"","level":"INFO","ts":"2024-01-01T00:00:00Z","name":"kata-agent","source":"agent","pid":"1"}',
      '[    0.395399] brd: module loaded',
      '[\u001b[0;32m  OK  \u001b[0m] Reached target local-fs.target\r',
      'INFO: interruptable_io_copier: got shutdown request',
      'time="2019-07-26T16:35:52.911834881Z" level=info msg="x" name=kata-agent pid=1 source=agent',
    ),
    fc.array(fc.constantFrom('go', 'rust', 'proxy'), { maxLength: 12 }),
  )
  .map(([inner, wraps]) => {
    let text: string = inner;
    for (const w of wraps) {
      if (w === 'go') text = `time="2024-01-01T00:00:00Z" level=debug msg="reading guest console" name=containerd-shim-v2 pid=1 sandbox=sb source=virtcontainers vmconsole=${goQuote(text)}`;
      else if (w === 'rust') text = `vm console: ${rustDebugQuote(text)}`;
      else text = `time="2019-07-27T00:35:53Z" level=info msg=${goQuote(text + '\n')} name=kata-proxy pid=2 sandbox=sb source=agent`;
    }
    return text;
  });

describe('property: the parser never throws and never loses a line', function () {
  this.timeout(60_000);

  it('random unicode text (lone surrogates and control characters included)', () => {
    const unit = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('\n', '\r', '\t', '"', '\\', '{', '}', '=', ' ', '[', ']', ':'),
    );
    fc.assert(fc.property(fc.string({ unit, maxLength: 400 }), (s) => void checkText(s)), { numRuns: RUNS });
  });

  it('random bytes, read as UTF-8 (invalid sequences become U+FFFD) and as Latin-1', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        checkText(Buffer.from(bytes).toString('utf8'));
        checkText(Buffer.from(bytes).toString('latin1'));
      }),
      { numRuns: RUNS },
    );
  });

  it('real fixture lines, damaged: deletions, insertions, smart quotes, cuts, splits, joins, CR, ANSI', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FIXTURE_LINES), { minLength: 1, maxLength: 4 }), fc.array(mutation, { maxLength: 6 }), (lines, ms) => {
        checkText(ms.reduce(applyMutation, lines.join('\n')));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('damaged fixture blocks under tight multi-line bounds', () => {
    const blocks = fixtureFiles().flatMap((f) => readBlocks(f).map((b) => b.lines.map((l) => l.text).join('\n')));
    fc.assert(
      fc.property(fc.constantFrom(...blocks), fc.array(mutation, { maxLength: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4000 }), (block, ms, maxLines, maxBytes) => {
        checkText(ms.reduce(applyMutation, block), { maxLines, maxBytes });
      }),
      { numRuns: RUNS },
    );
  });

  it('console records nested up to 12 times, Go and Rust quoting mixed', () => {
    fc.assert(
      fc.property(nestedConsole, fc.array(mutation, { maxLength: 2 }), (text, ms) => {
        const [r] = checkText(text);
        assert.ok(r !== undefined);
        const damaged = ms.reduce(applyMutation, text);
        checkText(damaged);
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes nesting within the depth bound back to the innermost record', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('go', 'rust'), { minLength: 1, maxLength: 3 }), (wraps) => {
        let text = '[    0.395399] brd: module loaded';
        for (const w of wraps) {
          text = w === 'go'
            ? `time="2024-01-01T00:00:00Z" level=debug msg="reading guest console" name=containerd-shim-v2 pid=1 sandbox=sb source=virtcontainers vmconsole=${goQuote(text)}`
            : `vm console: ${rustDebugQuote(text)}`;
        }
        const [r] = checkText(text);
        assert.equal(r!.body, 'brd: module loaded');
        assert.equal(r!.attributes['kata.component'], 'guest-kernel');
        assert.equal(r!.attributes['kata.relay.depth'], wraps.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe('property: pathological input returns', function () {
  // Mocha's timeout is the bound: these must return, however long a regex or scan would like to take.
  this.timeout(20_000);

  it('a 1 MB logfmt line with an unclosed quote', () => {
    const line = 'time="2024-01-01T00:00:00Z" level=info msg="' + 'a b=c '.repeat(175_000);
    const [r] = checkText(line);
    assert.equal(r!.attributes['kata.parse.status'], 'partial');
  });

  it('a 1 MB line of one character, and of brackets', () => {
    checkText('a'.repeat(1 << 20));
    checkText('{'.repeat(1 << 20));
    checkText('[' + ' '.repeat(1 << 20));
  });

  it('10,000 nested quotes and backslashes', () => {
    checkText('time="x" level=info msg=' + '"'.repeat(10_000));
    checkText('vmconsole=' + '\\"'.repeat(10_000));
    checkText('vm console: ' + '"\\'.repeat(10_000));
    checkText('{"msg":' + '"\\"'.repeat(10_000) + '}');
  });

  it('a vmconsole record nested 10,000 times is cut at the depth bound', () => {
    // Each level doubles the backslashes, so build it level by level on short text instead of quoting 10,000 times.
    let text = 'x';
    for (let i = 0; i < 10_000; i++) text = `vmconsole="${text.length > 200 ? 'x' : text.replace(/["\\]/g, '\\$&')}"`;
    checkText(text);
  });

  it('100,000 short lines of a multi-line record are bounded by maxLines', () => {
    const lines = ['panic: boom', ...Array.from({ length: 100_000 }, (_, i) => `goroutine ${i} [running]:`)];
    const rs = checkText(lines.join('\n'));
    assert.ok(rs.length >= 100, `${rs.length} records`);
  });
});
