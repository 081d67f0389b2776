/**
 * pdata/time.ts against every timestamp shape the format guide lists (section 11, item 8).
 * Expected values are computed here with Date.UTC and BigInt, not with the code under test.
 */
import assert from 'node:assert/strict';
import { formatNanos, monthIndex, nanosFromMicrosString, nanosFromShortDate, parseTimestamp } from '../../pdata/time';
import { parseText } from '../../receiver/kata/parse-text';

/** ns of a UTC wall clock plus fraction digits, by BigInt. */
function ns(y: number, mo: number, d: number, h: number, mi: number, s: number, fraction = ''): string {
  return (BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n + BigInt((fraction + '000000000').slice(0, 9))).toString();
}

const HOUR = 3_600_000_000_000n;

describe('time: RFC 3339 and its Kata variants', () => {
  it('keeps every fraction digit, 1 to 9 of them (Go trims trailing zeros)', () => {
    const digits = ['1', '12', '123', '1234', '12345', '123456', '1234567', '12345678', '123456789'];
    for (const f of digits) {
      assert.equal(parseTimestamp(`2021-07-14T07:58:19.${f}Z`), ns(2021, 7, 14, 7, 58, 19, f), f);
    }
    assert.equal(parseTimestamp('2021-07-14T07:58:19Z'), ns(2021, 7, 14, 7, 58, 19));
  });

  it('drops digits past the ninth', () => {
    assert.equal(parseTimestamp('2021-07-14T07:58:19.1234567891234Z'), ns(2021, 7, 14, 7, 58, 19, '123456789'));
  });

  it('applies ±hh:mm offsets (Go local offset, chrono +00:00)', () => {
    const base = BigInt(ns(2021, 7, 14, 7, 58, 21, '96989354'));
    assert.equal(parseTimestamp('2021-07-14T07:58:21.96989354-07:00'), (base + 7n * HOUR).toString());
    assert.equal(parseTimestamp('2021-12-24T14:56:39.790009727+08:00'), (BigInt(ns(2021, 12, 24, 14, 56, 39, '790009727')) - 8n * HOUR).toString());
    assert.equal(parseTimestamp('2021-12-24T06:56:39.741138630+00:00'), ns(2021, 12, 24, 6, 56, 39, '74113863'));
    assert.equal(parseTimestamp('2024-01-01T00:00:00+05:30'), (BigInt(ns(2024, 1, 1, 0, 0, 0)) - 330n * 60_000_000_000n).toString());
    assert.equal(parseTimestamp('2024-01-01T00:00:00z'), ns(2024, 1, 1, 0, 0, 0));
  });

  it('reads the CRI-O form with a space between date and time', () => {
    assert.equal(parseTimestamp('2019-07-25 14:11:07.110386316Z'), ns(2019, 7, 25, 14, 11, 7, '110386316'));
  });

  it('reads nydusd: space, micro-seconds, space, +00:00', () => {
    assert.equal(parseTimestamp('2025-11-14 09:14:37.391300 +00:00'), ns(2025, 11, 14, 9, 14, 37, '3913'));
  });

  it('reads firecracker, which writes no zone, as UTC', () => {
    assert.equal(parseTimestamp('2021-03-03T08:56:19.415168631'), ns(2021, 3, 3, 8, 56, 19, '415168631'));
  });

  it('accepts a comma fraction and an offset without a colon', () => {
    assert.equal(parseTimestamp('2024-01-01T00:00:00,5+0100'), (BigInt(ns(2023, 12, 31, 23, 0, 0, '5'))).toString());
  });

  it('returns "" for garbage, out-of-range fields and times before 1970', () => {
    for (const bad of [
      '', 'yesterday', '2021-07-14', '07:58:19', '2021-07-14T07:58', '2021-13-01T00:00:00Z', '2021-02-30T00:00:00Z',
      '2021-01-01T24:00:00Z', '2021-01-01T00:60:00Z', '2021-01-01T00:00:00+24:00', '2021-01-01T00:00:00.Z',
      '0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:30:00+01:00', ' 2021-07-14T07:58:19Z',
      '2021-07-14T07:58:19Z trailing', '2021-07-14T07:58:191Z', '2021-07-14T07:58:19 ', '2021-07-14T07:58:19+08', '2021-07-14T07:58:19+08:0',
      '2021-07-14X07:58:19Z', '2021/07/14T07:58:19Z', '２０２１-07-14T07:58:19Z',
    ]) {
      assert.equal(parseTimestamp(bad), '', JSON.stringify(bad));
    }
  });

  it('accepts Feb 29 of a leap year only', () => {
    assert.equal(parseTimestamp('2024-02-29T12:00:00Z'), ns(2024, 2, 29, 12, 0, 0));
    assert.equal(parseTimestamp('2023-02-29T12:00:00Z'), '');
  });

  it('converts journald micro-seconds and formats ns back for people', () => {
    assert.equal(nanosFromMicrosString('1582281087810805'), '1582281087810805000');
    assert.equal(nanosFromMicrosString('12a'), '');
    assert.equal(formatNanos(ns(2021, 7, 14, 7, 58, 19, '050702245')), '2021-07-14T07:58:19.050702245Z');
  });
});

describe('time: journal short dates (no year, locale month names)', () => {
  const REF = Date.UTC(2026, 0, 15, 12, 0, 0); // 2026-01-15T12:00:00Z

  it('knows English, lower-case and European abbreviations', () => {
    const cases: Array<[string, number]> = [
      ['Jan', 0], ['mar', 2], ['MAR', 2], ['Sep', 8], ['dic', 11], ['ene', 0], ['févr.', 1], ['mars', 2], ['sept', 8],
      ['Mär', 2], ['Okt', 9], ['Dez', 11], ['août', 7],
    ];
    for (const [name, idx] of cases) assert.equal(monthIndex(name), idx, name);
  });

  it('knows CJK months: 3月, 12月, 三, 十二, 3월', () => {
    assert.equal(monthIndex('3月'), 2);
    assert.equal(monthIndex('12月'), 11);
    assert.equal(monthIndex('三'), 2);
    assert.equal(monthIndex('十二'), 11);
    assert.equal(monthIndex('3월'), 2);
    assert.equal(monthIndex('13月'), -1);
    assert.equal(monthIndex('0月'), -1);
    assert.equal(monthIndex('Foo'), -1);
  });

  it('takes the reference year when the date is not after it', () => {
    assert.equal(nanosFromShortDate(0, 10, '14:59:16', REF), ns(2026, 1, 10, 14, 59, 16));
  });

  it('allows a day of clock skew past the reference', () => {
    assert.equal(nanosFromShortDate(0, 16, '11:00:00', REF), ns(2026, 1, 16, 11, 0, 0));
  });

  it('takes the previous year for a date later in the year than the reference', () => {
    assert.equal(nanosFromShortDate(11, 15, '19:55:10', REF), ns(2025, 12, 15, 19, 55, 10));
    assert.equal(nanosFromShortDate(6, 29, '13:29:17', REF), ns(2025, 7, 29, 13, 29, 17));
  });

  it('goes back to a leap year for Feb 29', () => {
    const ref = Date.UTC(2027, 2, 5); // 2027-03-05: 2027 and 2026 and 2025 have no Feb 29
    assert.equal(nanosFromShortDate(1, 29, '10:00:00', ref), ns(2024, 2, 29, 10, 0, 0));
  });

  it('dates whole journal lines with locale months: mar, 3月, 三 (two spaces), 12月', () => {
    const cases: Array<[string, string]> = [
      ['mar 15 03:06:00 testfc kata-runtime[94173]: plain', ns(2025, 3, 15, 3, 6, 0)], // runtime#1373 (Spanish)
      ['3月 22 14:11:05 cheer kata-proxy[8075]: plain', ns(2025, 3, 22, 14, 11, 5)], // runtime#92 (zh_CN)
      ['三  21 18:08:59 node kubelet[1]: plain', ns(2025, 3, 21, 18, 8, 59)], // gpu-operator#1356
      ['12月 24 14:56:39 xxx kata[45233]: plain', ns(2025, 12, 24, 14, 56, 39)], // kata-containers#3320
      ['Jan 10 14:59:16 host-59 containerd[3020]: plain', ns(2026, 1, 10, 14, 59, 16)],
    ];
    for (const [line, want] of cases) {
      const [r] = parseText(line, { refMillis: REF });
      assert.equal(r!.timeUnixNano, want, line);
    }
  });

  it('returns "" for a clock out of range', () => {
    assert.equal(nanosFromShortDate(0, 10, '25:00:00', REF), '');
    assert.equal(nanosFromShortDate(0, 10, '10:61:00', REF), '');
    assert.equal(nanosFromShortDate(0, 32, '10:00:00', REF), '');
  });
});
