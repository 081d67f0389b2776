import assert from 'node:assert/strict';
import { request } from 'node:http';
import { KataOtelError, PermanentError } from '../../component/errors';
import { JsonLogger } from '../../service/telemetry/logger';
import { componentMetrics, METRICS, SECURITY_METRICS } from '../../service/telemetry/metrics';
import { parseListenAddress, TelemetryServer } from '../../service/telemetry/server';
import { ServiceTelemetry } from '../../service/telemetry/telemetry';
import { LogCapture } from './helpers';

function fetchText(address: string, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('telemetry: JSON logs', () => {
  it('writes one JSON object per line with level, message, bindings and fields, from the configured level up', () => {
    const out = new LogCapture();
    const root = new JsonLogger({ level: 'info', out, now: () => new Date('2026-01-02T03:04:05.678Z') });
    const log = root.child({ kind: 'exporter', component: 'file' });
    log.debug('hidden');
    log.info('wrote', { records: 3 });
    log.warn('slow', { ms: 1200 });
    log.error('failed', { error: new PermanentError('KO_ERR_X', 'bad', { cause: new Error('root cause') }) });
    assert.deepEqual(out.lines, [
      { time: '2026-01-02T03:04:05.678Z', level: 'info', msg: 'wrote', kind: 'exporter', component: 'file', records: 3 },
      { time: '2026-01-02T03:04:05.678Z', level: 'warn', msg: 'slow', kind: 'exporter', component: 'file', ms: 1200 },
      {
        time: '2026-01-02T03:04:05.678Z', level: 'error', msg: 'failed', kind: 'exporter', component: 'file',
        error: { name: 'PermanentError', message: 'bad', code: 'KO_ERR_X', cause: { name: 'Error', message: 'root cause' } },
      },
    ]);
  });

  it('never writes record bodies or secrets', () => {
    const out = new LogCapture();
    const log = new JsonLogger({ level: 'debug', out });
    log.info('careless', { body: 'user password=hunter2', token: 'abc', Authorization: 'Bearer x', headers: { a: 1 }, api_key: 'k', path: '/var/log/x' });
    const line = out.lines[0]!;
    for (const k of ['body', 'token', 'Authorization', 'headers', 'api_key']) assert.equal(line[k], '[REDACTED]', k);
    assert.equal(line.path, '/var/log/x');
    assert.doesNotMatch(JSON.stringify(out.lines), /hunter2|Bearer|abc/);
  });

  it('cannot have its time, level or message overwritten by fields', () => {
    const out = new LogCapture();
    new JsonLogger({ level: 'debug', out }).info('real', { msg: 'fake', level: 'error' });
    assert.equal(out.lines[0]!.msg, 'real');
    assert.equal(out.lines[0]!.level, 'info');
  });
});

describe('telemetry: metrics', () => {
  it('names every catalogue metric kata_otel_* and labels it with the component that reports it', async () => {
    const t = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
    const m = componentMetrics(t.forComponent('exporter', 'otlp/backend'));
    m.exported(10);
    m.retried(2);
    m.dropped(1, 'queue_full');
    m.queueDepth(7);
    m.queueBytes(4096);
    m.exportLatency(0.02);
    const p = componentMetrics(t.forComponent('processor', 'kata_parser'));
    p.parsed(5);
    p.parseFailed(1);
    p.exported(0); // zero adds nothing and registers nothing new
    const text = await t.scrape();
    const has = (line: string): void => assert.ok(text.split('\n').includes(line), `missing ${line} in\n${text}`);
    has('kata_otel_records_exported_total{kind="exporter",component="otlp/backend"} 10');
    has('kata_otel_records_retried_total{kind="exporter",component="otlp/backend"} 2');
    has('kata_otel_records_dropped_total{kind="exporter",component="otlp/backend",reason="queue_full"} 1');
    has('kata_otel_queue_depth{kind="exporter",component="otlp/backend"} 7');
    has('kata_otel_queue_bytes{kind="exporter",component="otlp/backend"} 4096');
    has('kata_otel_export_latency_seconds_bucket{le="0.025",kind="exporter",component="otlp/backend"} 1');
    has('kata_otel_export_latency_seconds_count{kind="exporter",component="otlp/backend"} 1');
    has('kata_otel_records_parsed_total{kind="processor",component="kata_parser"} 5');
    has('kata_otel_records_parse_failed_total{kind="processor",component="kata_parser"} 1');
    assert.doesNotMatch(text, /records_exported_total\{kind="processor"/);
    assert.match(text, /# HELP kata_otel_records_dropped_total Log records given up on, by reason/);
  });

  it('defines every catalogue name once, in Prometheus style', () => {
    const defs = [...Object.values(METRICS), ...Object.values(SECURITY_METRICS)];
    const names = defs.map((d) => d.name);
    assert.equal(new Set(names).size, names.length);
    for (const d of defs) {
      assert.match(d.name, /^[a-z][a-z0-9_]*$/);
      assert.equal(d.name.endsWith('_total'), d.type === 'counter', d.name);
    }
  });

  it('returns the same metric for the same name and refuses a conflicting one', async () => {
    const t = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
    const a = t.forComponent('receiver', 'journald').counter('receiver_events_total', 'events', ['event']);
    const b = t.forComponent('receiver', 'syslog').counter('receiver_events_total', 'events', ['event']);
    a.inc({ event: 'rotated' });
    b.inc({ event: 'rotated' }, 2);
    assert.equal(await t.value('receiver_events_total', { kind: 'receiver', component: 'journald', event: 'rotated' }), 1);
    assert.equal(await t.value('receiver_events_total', { kind: 'receiver', component: 'syslog', event: 'rotated' }), 2);
    assert.throws(() => t.gauge('receiver_events_total', 'x'), (err) => err instanceof KataOtelError && err.code === 'KO_ERR_METRIC_CONFLICT');
  });

  it('adds process metrics under the same prefix', async () => {
    const t = new ServiceTelemetry({ level: 'error', out: new LogCapture() });
    assert.match(await t.scrape(), /^kata_otel_process_resident_memory_bytes \d+/m);
  });
});

describe('telemetry: HTTP endpoint', () => {
  it('parses listen addresses', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:8888'), { host: '127.0.0.1', port: 8888 });
    assert.deepEqual(parseListenAddress('[::1]:9'), { host: '::1', port: 9 });
    assert.deepEqual(parseListenAddress(':8888'), { host: '', port: 8888 });
    assert.equal(parseListenAddress('localhost'), undefined);
    assert.equal(parseListenAddress('host:70000'), undefined);
  });

  it('answers /metrics in the Prometheus format, /healthz, /readyz from the service, 404 and 405 otherwise', async () => {
    const t = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
    componentMetrics(t.forComponent('receiver', 'static_file')).received(4);
    let ready = false;
    const server = new TelemetryServer({ address: '127.0.0.1:0', telemetry: t, ready: () => ready, logger: t.logger });
    const address = await server.start();
    try {
      const metrics = await fetchText(address, '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.type, /^text\/plain; version=0\.0\.4/);
      assert.match(metrics.body, /^kata_otel_records_received_total\{kind="receiver",component="static_file"\} 4$/m);
      assert.equal((await fetchText(address, '/healthz')).status, 200);
      assert.equal((await fetchText(address, '/readyz')).status, 503);
      ready = true;
      assert.equal((await fetchText(address, '/readyz')).status, 200);
      assert.equal((await fetchText(address, '/nope')).status, 404);
      assert.equal((await fetchText(address, '/metrics', 'POST')).status, 405);
    } finally {
      await server.stop();
    }
    await assert.rejects(fetchText(address, '/healthz'));
  });

  it('fails to start on an address in use', async () => {
    const t = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
    const first = new TelemetryServer({ address: '127.0.0.1:0', telemetry: t, ready: () => true, logger: t.logger });
    const address = await first.start();
    const second = new TelemetryServer({ address, telemetry: t, ready: () => true, logger: t.logger });
    try {
      await assert.rejects(second.start(), /EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });
});
