/**
 * The parser's hand-written fast paths against what they stand in for: the journal short
 * prefix against the regular expression it replaced (with the cached date, host and
 * identifier of earlier lines in play), the flat JSON scanner against JSON.parse, and the
 * attribute objects against plain objects. Random and mutated inputs.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JOURNAL_SHORT_REFERENCE, peel } from '../../receiver/kata/envelope';
import { scanFlatJson } from '../../receiver/kata/formats/json';
import { escapedJsonEnd, scanEscapedJsonInto } from '../../receiver/kata/formats/escaped-json';
import { newFlatJson } from '../../receiver/kata/formats/flat-json';
import { newLogfmtPairs, scanLogfmtInto } from '../../receiver/kata/logfmt';
import { parseText } from '../../receiver/kata/parse-text';
import { monthIndex } from '../../pdata/time';

const RUNS = Number(process.env['KATA_PROPERTY_RUNS'] ?? 300);

/** What the regex (plus the month check) makes of a line, or null. */
function byRegex(text: string): unknown {
  const m = JOURNAL_SHORT_REFERENCE.exec(text);
  if (m === null) return null;
  const month = monthIndex(m[1]!);
  if (month < 0) return null;
  return { payload: text.slice(m[0].length), shortDate: [month, +m[2]!, m[3]!], host: m[4], identifier: m[5], pid: m[6] === undefined ? -1 : +m[6] };
}

function byPeel(text: string): unknown {
  const p = peel(text);
  if (p.envelopes.length !== 1 || p.envelopes[0] !== 'journal-short') return null;
  return { payload: p.payload, shortDate: p.shortDate, host: p.host, identifier: p.identifier, pid: p.pid };
}

const piece = fc.constantFrom(
  'Nov', 'nov', 'NOV', 'Dez', 'mär', '3月', 'Sept.', 'Xyz', ' ', '  ', '    ', '\t', '\u00a0', '\u3000', '1', '22', '333',
  '05:17:07', '5:17:07', '.123456', '.1234567', 'host', 'ip-10-1-2-3', 'kata', 'containerd', 'a:b', '[', ']', '[123]',
  '[12345678901]', '[a]', ':', ': ', '\u00e9', 'x'.repeat(130), 'y'.repeat(256),
);

/** Lines shaped like journal lines, with a damaged piece now and then. */
const journalish = fc
  .tuple(
    fc.constantFrom('Nov', 'Apr', 'nov', 'Dez', '3月', 'Foo'),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 40 }),
    fc.constantFrom('05:17:07', '06:00:00', '5:17:07', '05:17'),
    fc.constantFrom('', '.1', '.123456', '.1234567'),
    fc.constantFrom('host', 'ip-10-89-130-28', 'other'),
    fc.constantFrom('kata', 'containerd', 'kubelet', 'a:b', 'x[y'),
    fc.constantFrom('[2098774]', '[1]', '', '[12345678901]', '[a]', '['),
    fc.constantFrom(':', ': ', '', '::'),
    fc.option(fc.tuple(fc.nat(), piece)),
  )
  .map(([mon, spaces, day, hms, frac, host, ident, pid, colon, damage]) => {
    let t = `${mon}${' '.repeat(spaces)}${day} ${hms}${frac} ${host} ${ident}${pid}${colon}time="x" msg=y`;
    if (damage !== null) {
      const at = damage[0] % (t.length + 1);
      t = t.slice(0, at) + damage[1] + t.slice(at);
    }
    return t;
  });

describe('fast paths', () => {
  it('read the journal short prefix exactly as the regular expression does, line after line', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(journalish, fc.array(piece, { maxLength: 12 }).map((p) => p.join(''))), { minLength: 1, maxLength: 20 }), (lines) => {
        for (const line of lines) {
          // Lines that open like other envelopes or bare records do not reach this prefix.
          if (/^[\d{[ <]|^time=|^level=/.test(line)) continue;
          assert.deepEqual(byPeel(line), byRegex(line), JSON.stringify(line));
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('scan flat JSON only as JSON.parse reads it, keys in its order', () => {
    const key = fc.constantFrom('msg', 'level', 'ts', 'name', 'source', 'a"b', 'c\\d', '', '0', '12', '__proto__', 'x\ny', 'é', 'dup');
    const value = fc.oneof(
      fc.constantFrom('plain', 'with "quote"', 'back\\slash', 'nl\nx', 'tab\tx', '{"inner":"json \\"q\\""}', '', 'é…', '\u0000', '\u2028'),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    const object = fc.array(fc.tuple(key, fc.oneof(value, fc.constant(7))), { minLength: 1, maxLength: 8 }).map((pairs) =>
      '{' + pairs.map(([k, v]) => JSON.stringify(k) + ':' + JSON.stringify(v)).join(',') + '}');
    const damaged = fc.tuple(object, fc.nat(), fc.constantFrom('"', '\\', ',', ':', '}', ' ', '\n', 'x')).map(([t, at, c]) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + c + t.slice(i);
    });
    fc.assert(
      fc.property(fc.oneof(object, damaged), (text) => {
        const flat = scanFlatJson(text);
        if (flat === null) return;
        const obj = JSON.parse(text) as Record<string, unknown>;
        const keys = Object.keys(obj);
        assert.deepEqual(flat.keys, keys, text);
        assert.deepEqual(flat.vals, keys.map((k) => obj[k]), text);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('scan escaped flat JSON in place only as the flat scan reads its decoded text', () => {
    const key = fc.constantFrom('msg', 'level', 'ts', 'a"b', 'c\\d', '', '0', 'x\ny', 'é', 'dup');
    const value = fc.oneof(
      fc.constantFrom('plain', 'with "quote"', 'back\\slash', 'nl\nx', '\\"', '{"inner":"json \\"q\\""}', '', 'é…', '\u0000', 'rpc: \\"start\\"', 'q"\\ then\n\u00e9'),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    const object = fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 6 }).map((pairs) =>
      '{' + pairs.map(([k, v]) => JSON.stringify(k) + ':' + JSON.stringify(v)).join(',') + '}');
    // The inner text as a JSON string, then (maybe) damaged, as it stands in the outer record.
    const escaped = fc.tuple(object, fc.nat(), fc.constantFrom('', '"', '\\', '\\"', '\\\\', ',', '}', 'n', '\\n')).map(([t, at, c]) => {
      const s = JSON.stringify(t) + ',"level":"DEBG"}';
      const i = 1 + (at % s.length);
      return s.slice(0, i) + c + s.slice(i);
    });
    const out = { keys: [] as string[], vals: [] as string[], hashes: [] as number[], nestedAt: -1, nestedCount: 0, msgStart: 0, msgEnd: 0 };
    fc.assert(
      fc.property(escaped, (text) => {
        if (!text.startsWith('"{\\"')) return;
        const count = scanEscapedJsonInto(text, 1, out);
        if (count < 0) return;
        // The outer string ends where the scan says, and decodes to text the flat scan reads the same.
        const decoded = JSON.parse(text.slice(0, escapedJsonEnd + 1)) as string;
        assert.equal(/^"(?:[^"\\]|\\.)*"/.exec(text)?.[0].length, escapedJsonEnd + 1, text);
        const flat = scanFlatJson(decoded);
        assert.ok(flat !== null, text);
        assert.deepEqual(out.keys.slice(0, count), flat.keys, text);
        assert.deepEqual(out.vals.slice(0, count), flat.vals, text);
        assert.deepEqual(out.hashes.slice(0, count), flat.hashes, text);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('read agent JSON in vmconsole= in place only where the logfmt scan decodes it to that text', () => {
    const key = fc.constantFrom('msg', 'level', 'name', 'a"b', 'x\ny', 'dup', '');
    const value = fc.constantFrom('plain', 'with "quote"', 'back\\slash', 'nl\nx', 'x\\x1b', '', 'é', '\u0007');
    const object = fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 4 }).map((pairs) =>
      '{' + pairs.map(([k, v]) => JSON.stringify(k) + ':' + JSON.stringify(v)).join(',') + '}');
    const line = fc.tuple(object, fc.nat(), fc.constantFrom('', '"', '\\', ' ', '\n', '\t', '\\x', 'x'), fc.constantFrom('', ' sandbox=abc', ' vmconsole=x', '" z="y'))
      .map(([t, at, c, tail]) => {
        const q = JSON.stringify(t);
        const i = 1 + (at % q.length);
        return 'time="2025-11-20T06:00:00Z" level=debug msg="reading guest console" vmconsole=' + q.slice(0, i) + c + q.slice(i) + tail;
      });
    const plain = newLogfmtPairs();
    const read = newLogfmtPairs();
    const inner = newFlatJson();
    fc.assert(
      fc.property(line, (text) => {
        const n = scanLogfmtInto(text, 0, plain);
        const m = scanLogfmtInto(text, 0, read, inner);
        assert.equal(m, n, text);
        assert.deepEqual([read.clean, read.unterminated, read.named], [plain.clean, plain.unterminated, plain.named], text);
        for (let i = 0; i < n; i++) {
          assert.equal(read.pairs[2 * i], plain.pairs[2 * i], text);
          if (i !== read.nestedAt) assert.equal(read.pairs[2 * i + 1], plain.pairs[2 * i + 1], text);
        }
        if (read.nestedAt < 0) return;
        const decoded = plain.pairs[2 * read.nestedAt + 1]!;
        assert.equal(JSON.parse('"' + text.slice(read.rawStart, read.rawEnd) + '"'), decoded, text);
        const flat = scanFlatJson(decoded);
        assert.ok(flat !== null, text);
        assert.deepEqual(inner.keys.slice(0, inner.nestedCount), flat.keys, text);
        assert.deepEqual(inner.vals.slice(0, inner.nestedCount), flat.vals, text);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('give records plain attribute objects, keys in the order written', () => {
    // Agent slog JSON, keys in two orders: the attribute objects follow each record's order.
    const a = '{"msg":"m","level":"INFO","ts":"2025-11-20T06:00:00Z","subsystem":"rpc","pid":"1","name":"kata-agent","source":"agent"}';
    const b = '{"msg":"m","level":"INFO","ts":"2025-11-20T06:00:00Z","source":"agent","name":"kata-agent","pid":"1","subsystem":"rpc"}';
    const [ra, rb] = parseText(`${a}\n${b}\n`);
    assert.ok(ra && rb);
    for (const r of [ra, rb]) {
      assert.equal(Object.getPrototypeOf(r.attributes), Object.prototype);
      assert.deepStrictEqual(r.attributes, { ...r.attributes });
    }
    assert.deepEqual(Object.keys(ra.attributes).filter((k) => k !== 'kata.log.line_number'), [
      'kata.subsystem', 'process.pid', 'kata.logger.name', 'kata.source', 'kata.component', 'kata.log.format',
    ]);
    assert.deepEqual(Object.keys(rb.attributes).filter((k) => k !== 'kata.log.line_number'), [
      'kata.source', 'kata.logger.name', 'process.pid', 'kata.subsystem', 'kata.component', 'kata.log.format',
    ]);
  });
});
