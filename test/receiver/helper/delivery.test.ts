/**
 * deliver(): a consumer that may change records in place gets a copy on every attempt, so
 * a retry offers the records exactly as read; one that says it only reads gets the
 * receiver's own records, with no copy.
 */
import { strict as assert } from 'node:assert';
import { RetryableError } from '../../../component/errors';
import type { LogsConsumer } from '../../../consumer/consumer';
import { emptyRecord, type LogRecord } from '../../../pdata/log-record';
import { deliver } from '../../../receiver/helper/delivery';
import { ReceiverMetrics } from '../../../receiver/helper/metrics';
import { LogCapture } from '../../service/helpers';
import { ServiceTelemetry } from '../../../service/telemetry/telemetry';

function metrics(): ReceiverMetrics {
  const t = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
  return new ReceiverMetrics(t.forComponent('receiver', 'test'), 'test');
}

function records(): LogRecord[] {
  return [1, 2].map((i) => {
    const r = emptyRecord('1');
    r.body = `line ${i}`;
    r.attributes = { 'kata.log.line_number': i };
    return r;
  });
}

const opts = () => ({ signal: new AbortController().signal, metrics: metrics(), backoff: { initialMs: 1, maxMs: 1 } });

describe('receiver helper: deliver', () => {
  it('gives a consumer that may mutate a fresh copy on each attempt, so the retry sees the records as read', async () => {
    const input = records();
    const seen: Array<{ same: boolean; body: string; line: unknown }> = [];
    let calls = 0;
    const mutating: LogsConsumer = {
      consumeLogs: async (rs) => {
        seen.push({ same: rs[0] === input[0], body: rs[0]!.body, line: rs[0]!.attributes['kata.log.line_number'] });
        rs[0]!.body = 'changed';
        rs[0]!.attributes['kata.log.line_number'] = 99;
        if (++calls === 1) throw new RetryableError('KO_TEST', 'not now');
      },
    };
    assert.equal(await deliver(mutating, input, opts()), 'accepted');
    assert.deepEqual(seen, [{ same: false, body: 'line 1', line: 1 }, { same: false, body: 'line 1', line: 1 }]);
    assert.equal(input[0]!.body, 'line 1', "the receiver's records are untouched");
  });

  it('hands a consumer that declares mutatesData = false the records themselves', async () => {
    const input = records();
    let got: LogRecord[] | undefined;
    const reader: LogsConsumer & { mutatesData: boolean } = { mutatesData: false, consumeLogs: async (rs) => { got = rs; } };
    assert.equal(await deliver(reader, input, opts()), 'accepted');
    assert.equal(got, input);
  });
});
