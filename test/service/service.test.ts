import assert from 'node:assert/strict';
import { request } from 'node:http';
import { isPermanent, RetryableError } from '../../component/errors';
import type { ServiceConfig } from '../../service/config/types';
import { Service } from '../../service/service';
import type { TestExporter, TestProcessor, TestReceiver, TestTracesReceiver } from './helpers';
import { load, record, resetJournal, testTelemetry } from './helpers';

function config(yaml: string): ServiceConfig {
  const r = load(yaml);
  assert.deepEqual(r.issues, []);
  return r.config!;
}

/** No HTTP endpoint unless a test asks for one. */
const QUIET = `
  telemetry:
    metrics: { level: none }`;

function get(address: string, path: string): Promise<{ status: number; body: string }> {
  const m = /^(.*):(\d+)$/.exec(address)!;
  return new Promise((resolve, reject) => {
    const req = request({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const TWO_PIPELINES = `
receivers:
  test_receiver/shared:
  test_receiver/solo:
processors:
  test_processor/a: { tag: A }
  test_processor/b: { tag: B }
exporters:
  test_exporter/x:
  test_exporter/y:
service:
  pipelines:
    logs/one:
      receivers: [test_receiver/shared, test_receiver/solo]
      processors: [test_processor/a, test_processor/b]
      exporters: [test_exporter/x]
    logs/two:
      receivers: [test_receiver/shared]
      processors: [test_processor/b]
      exporters: [test_exporter/x, test_exporter/y]
${QUIET}
`;

describe('service: pipelines', () => {
  it('wires receivers → processors in order → every exporter, with one receiver fanning out to each pipeline', async () => {
    const j = resetJournal();
    const { telemetry } = testTelemetry();
    const svc = new Service(config(TWO_PIPELINES), { telemetry });
    await svc.start();
    await j.get<TestReceiver>('receiver test_receiver/shared').emit([record('s1')]);
    await j.get<TestReceiver>('receiver test_receiver/solo').emit([record('o1'), record('o2')]);
    const x = j.get<TestExporter>('exporter test_exporter/x');
    const y = j.get<TestExporter>('exporter test_exporter/y');
    // x is one instance shared by both pipelines: it sees s1 twice (once per pipeline).
    assert.deepEqual(x.records.map((r) => `${r.body}:${String(r.attributes.trail)}`).sort(), ['o1:AB', 'o2:AB', 's1:AB', 's1:B']);
    assert.deepEqual(y.records.map((r) => `${r.body}:${String(r.attributes.trail)}`), ['s1:B']);
    // Each pipeline has its own processor instances.
    assert.equal(j.get<TestProcessor[]>('processor test_processor/b').length, 2);
    assert.equal(j.get<TestProcessor[]>('processor test_processor/a').length, 1);
    // Received counts what the pipeline accepted, per receiver.
    assert.equal(await telemetry.value('records_received_total', { kind: 'receiver', component: 'test_receiver/shared' }), 1);
    assert.equal(await telemetry.value('records_received_total', { kind: 'receiver', component: 'test_receiver/solo' }), 2);
    await svc.shutdown();
  });

  it('starts exporters first and receivers last, and stops in the reverse order', async () => {
    const j = resetJournal();
    const { telemetry } = testTelemetry();
    const svc = new Service(config(TWO_PIPELINES), { telemetry });
    await svc.start();
    assert.deepEqual(j.of('start'), [
      'exporter test_exporter/x', 'exporter test_exporter/y',
      'processor test_processor/b', 'processor test_processor/b', 'processor test_processor/a',
      'receiver test_receiver/shared', 'receiver test_receiver/solo',
    ]);
    assert.deepEqual(svc.componentsInStartOrder, [
      'exporter test_exporter/x', 'exporter test_exporter/y',
      'processor test_processor/b (pipeline logs/two)', 'processor test_processor/b (pipeline logs/one)', 'processor test_processor/a (pipeline logs/one)',
      'receiver test_receiver/shared', 'receiver test_receiver/solo',
    ]);
    await svc.shutdown('test');
    assert.deepEqual(j.of('shutdown'), [
      'receiver test_receiver/shared', 'receiver test_receiver/solo',
      'processor test_processor/a', 'processor test_processor/b', 'processor test_processor/b',
      'exporter test_exporter/x', 'exporter test_exporter/y',
    ]);
    assert.equal(svc.state, 'stopped');
    assert.deepEqual(await svc.done, { reason: 'test' });
  });

  it('passes trace requests from a traces receiver to the traces exporters', async () => {
    const j = resetJournal();
    const svc = new Service(config(`
receivers:
  test_traces_receiver:
exporters:
  test_exporter/a:
  test_exporter/b:
service:
  pipelines:
    traces: { receivers: [test_traces_receiver], exporters: [test_exporter/a, test_exporter/b] }
${QUIET}
`), { telemetry: testTelemetry().telemetry });
    await svc.start();
    const request = { resourceSpans: [{ spans: 1 }] };
    await j.get<TestTracesReceiver>('traces-receiver test_traces_receiver').next.consumeTraces(request);
    assert.equal(j.get<TestExporter>('traces-exporter test_exporter/a').traces[0], request);
    assert.equal(j.get<TestExporter>('traces-exporter test_exporter/b').traces[0], request);
    await svc.shutdown();
  });
});

describe('service: fan-out copies records only for consumers that change them', () => {
  it('gives read-only exporters the original records and a mutating one its own copy', async () => {
    const j = resetJournal();
    const svc = new Service(config(`
receivers:
  test_receiver:
exporters:
  test_exporter/reader:
  test_exporter/writer: { mutate: true }
service:
  pipelines:
    logs: { receivers: [test_receiver], exporters: [test_exporter/reader, test_exporter/writer] }
${QUIET}
`), { telemetry: testTelemetry().telemetry });
    await svc.start();
    const batch = [record('one'), record('two')];
    await j.get<TestReceiver>('receiver test_receiver').emit(batch);
    const reader = j.get<TestExporter>('exporter test_exporter/reader');
    const writer = j.get<TestExporter>('exporter test_exporter/writer');
    assert.equal(reader.batches[0], batch, 'the read-only exporter shares the batch');
    assert.equal(reader.batches[0]![0], batch[0]);
    assert.notEqual(writer.batches[0], batch);
    assert.notEqual(writer.batches[0]![0], batch[0]);
    assert.equal(writer.records[0]!.attributes.touched, 'exporter test_exporter/writer');
    assert.equal(reader.records[0]!.attributes.touched, undefined, 'the writer changed only its copy');
    assert.equal(writer.records[0]!.resource, batch[0]!.resource, 'the read-only resource is shared');
    await svc.shutdown();
  });

  it('copies for a pipeline whose processor mutates, so the other pipeline sees the records unchanged', async () => {
    const j = resetJournal();
    const svc = new Service(config(`
receivers:
  test_receiver:
processors:
  test_processor/mut: { mutate: true, tag: M }
exporters:
  test_exporter/plain:
  test_exporter/changed:
service:
  pipelines:
    logs/plain: { receivers: [test_receiver], exporters: [test_exporter/plain] }
    logs/changed: { receivers: [test_receiver], processors: [test_processor/mut], exporters: [test_exporter/changed] }
${QUIET}
`), { telemetry: testTelemetry().telemetry });
    await svc.start();
    const batch = [record('r')];
    await j.get<TestReceiver>('receiver test_receiver').emit(batch);
    const plain = j.get<TestExporter>('exporter test_exporter/plain');
    const changed = j.get<TestExporter>('exporter test_exporter/changed');
    assert.equal(plain.batches[0], batch);
    assert.equal(plain.records[0]!.attributes.trail, undefined);
    assert.equal(changed.records[0]!.attributes.trail, 'M');
    assert.notEqual(changed.records[0], batch[0]);
    await svc.shutdown();
  });

  it('hands the original to the last consumer when all of them mutate', async () => {
    const j = resetJournal();
    const svc = new Service(config(`
receivers:
  test_receiver:
exporters:
  test_exporter/w1: { mutate: true }
  test_exporter/w2: { mutate: true }
service:
  pipelines:
    logs: { receivers: [test_receiver], exporters: [test_exporter/w1, test_exporter/w2] }
${QUIET}
`), { telemetry: testTelemetry().telemetry });
    await svc.start();
    const batch = [record('r')];
    await j.get<TestReceiver>('receiver test_receiver').emit(batch);
    assert.notEqual(j.get<TestExporter>('exporter test_exporter/w1').batches[0], batch);
    assert.equal(j.get<TestExporter>('exporter test_exporter/w2').batches[0], batch);
    assert.equal(j.get<TestExporter>('exporter test_exporter/w1').records[0]!.attributes.touched, 'exporter test_exporter/w1');
    await svc.shutdown();
  });

  it('fails the batch when one exporter fails; a retryable failure outranks a permanent one', async () => {
    const j = resetJournal();
    const { telemetry } = testTelemetry();
    const svc = new Service(config(`
receivers:
  test_receiver/a:
  test_receiver/b:
exporters:
  test_exporter/ok:
  test_exporter/bad: { fail: permanent }
  test_exporter/busy: { fail: retryable }
service:
  pipelines:
    logs/a: { receivers: [test_receiver/a], exporters: [test_exporter/ok, test_exporter/bad] }
    logs/b: { receivers: [test_receiver/b], exporters: [test_exporter/bad, test_exporter/busy] }
${QUIET}
`), { telemetry });
    await svc.start();
    await assert.rejects(j.get<TestReceiver>('receiver test_receiver/a').emit([record('x')]), (err) => isPermanent(err));
    await assert.rejects(j.get<TestReceiver>('receiver test_receiver/b').emit([record('y')]), (err) => err instanceof RetryableError);
    assert.equal(j.get<TestExporter>('exporter test_exporter/ok').records.length, 1, 'the healthy exporter still got its copy');
    assert.equal(await telemetry.value('records_refused_total', { kind: 'receiver', component: 'test_receiver/a' }), 1);
    assert.equal(await telemetry.value('records_received_total', { kind: 'receiver', component: 'test_receiver/a' }), undefined);
    assert.equal(await telemetry.value('records_refused_total', { kind: 'receiver', component: 'test_receiver/b' }), undefined, 'retryable is not refused');
    await svc.shutdown();
  });
});

const SIMPLE = `
receivers:
  test_receiver:
exporters:
  test_exporter:
service:
  pipelines:
    logs: { receivers: [test_receiver], exporters: [test_exporter] }
`;

describe('service: lifecycle', () => {
  it('shuts down once, however often asked', async () => {
    const j = resetJournal();
    const svc = new Service(config(SIMPLE + QUIET), { telemetry: testTelemetry().telemetry });
    await svc.start();
    const first = svc.shutdown('first');
    const second = svc.shutdown('second');
    assert.equal(first, second);
    await Promise.all([first, second, svc.shutdown('third')]);
    assert.deepEqual(j.of('shutdown'), ['receiver test_receiver', 'exporter test_exporter']);
    assert.deepEqual(await svc.done, { reason: 'first' });
  });

  it('can be shut down without having started', async () => {
    const j = resetJournal();
    const svc = new Service(config(SIMPLE + QUIET), { telemetry: testTelemetry().telemetry });
    await svc.shutdown('never started');
    assert.deepEqual(j.of('start'), []);
    assert.deepEqual(j.of('shutdown'), ['receiver test_receiver', 'exporter test_exporter']);
    assert.equal(svc.state, 'stopped');
  });

  it('stops the service with a clear log line when a component reports a fatal error', async () => {
    const j = resetJournal();
    const { telemetry, logs } = testTelemetry();
    const svc = new Service(config(SIMPLE + QUIET), { telemetry });
    await svc.start();
    j.get<TestExporter>('exporter test_exporter').host!.reportFatalError(new Error('disk gone'));
    const done = await svc.done;
    assert.equal(done.reason, 'fatal error in exporter test_exporter');
    assert.equal(done.error?.message, 'exporter test_exporter failed: disk gone');
    const line = logs.lines.find((l) => l.msg === 'component failed; stopping the service');
    assert.deepEqual(line && { kind: line.kind, component: line.component, error: line.error }, {
      kind: 'exporter', component: 'test_exporter', error: { name: 'Error', message: 'disk gone' },
    });
    assert.deepEqual(j.of('shutdown'), ['receiver test_receiver', 'exporter test_exporter']);
  });

  it('rejects start when a component cannot start, after stopping what had started', async () => {
    const j = resetJournal();
    const svc = new Service(config(`
receivers:
  test_receiver/ok:
  test_receiver/broken: { fail_start: true }
exporters:
  test_exporter:
service:
  pipelines:
    logs: { receivers: [test_receiver/ok, test_receiver/broken], exporters: [test_exporter] }
${QUIET}
`), { telemetry: testTelemetry().telemetry });
    await assert.rejects(svc.start(), /receiver test_receiver\/broken failed to start: cannot bind/);
    assert.deepEqual(j.of('start'), ['exporter test_exporter', 'receiver test_receiver/ok', 'receiver test_receiver/broken']);
    assert.deepEqual(j.of('shutdown'), ['receiver test_receiver/ok', 'receiver test_receiver/broken', 'exporter test_exporter']);
    const done = await svc.done;
    assert.equal(done.reason, 'start failed');
    assert.match(done.error?.message ?? '', /failed to start/);
  });

  it('goes on past a component that does not stop before the deadline', async () => {
    const j = resetJournal();
    const { telemetry, logs } = testTelemetry();
    const svc = new Service(config(`
receivers:
  test_receiver:
exporters:
  test_exporter/stuck: { hang_shutdown: true }
  test_exporter/fine:
service:
  pipelines:
    logs: { receivers: [test_receiver], exporters: [test_exporter/stuck, test_exporter/fine] }
${QUIET}
`), { telemetry, shutdownTimeoutMs: 150 });
    await svc.start();
    const t0 = Date.now();
    await svc.shutdown();
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(j.of('shutdown'), ['receiver test_receiver', 'exporter test_exporter/stuck', 'exporter test_exporter/fine']);
    const line = logs.lines.find((l) => l.msg === 'component did not stop before the shutdown deadline; going on without it');
    assert.equal(line?.component, 'test_exporter/stuck');
    assert.equal(svc.state, 'stopped');
  });

  it('reports idle when every receiver does, and not when one follows live input', async () => {
    resetJournal();
    const idle = new Service(config(`
receivers:
  test_receiver/a: { idle_after_ms: 10 }
  test_receiver/b: { idle_after_ms: 30 }
exporters:
  test_exporter:
service:
  pipelines:
    logs: { receivers: [test_receiver/a, test_receiver/b], exporters: [test_exporter] }
${QUIET}
`), { telemetry: testTelemetry().telemetry });
    await idle.start();
    const whenIdle = idle.whenIdle();
    assert.ok(whenIdle !== undefined);
    await whenIdle;
    await idle.shutdown();

    resetJournal();
    const live = new Service(config(`
receivers:
  test_receiver/a: { idle_after_ms: 10 }
  test_receiver/live:
exporters:
  test_exporter:
service:
  pipelines:
    logs: { receivers: [test_receiver/a, test_receiver/live], exporters: [test_exporter] }
${QUIET}
`), { telemetry: testTelemetry().telemetry });
    assert.equal(live.whenIdle(), undefined);
    await live.shutdown();
  });

  it('serves /healthz, /metrics and /readyz: ready while running, 503 while shutting down', async () => {
    const j = resetJournal();
    const { telemetry } = testTelemetry();
    const svc = new Service(config(`
receivers:
  test_receiver:
exporters:
  test_exporter: { hang_shutdown: true }
service:
  pipelines:
    logs: { receivers: [test_receiver], exporters: [test_exporter] }
  telemetry:
    metrics: { address: "127.0.0.1:0" }
`), { telemetry, shutdownTimeoutMs: 1500 });
    assert.equal(svc.isReady(), false);
    await svc.start();
    const address = svc.telemetryAddress!;
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    await j.get<TestReceiver>('receiver test_receiver').emit([record('a'), record('b'), record('c')]);
    assert.deepEqual(await get(address, '/readyz'), { status: 200, body: 'ready\n' });
    assert.deepEqual(await get(address, '/healthz'), { status: 200, body: 'ok\n' });
    const metrics = await get(address, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^kata_otel_records_received_total\{kind="receiver",component="test_receiver"\} 3$/m);
    const stopping = svc.shutdown();
    // The exporter hangs in shutdown, so the endpoint is still up while the service stops.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(svc.state, 'stopping');
    assert.deepEqual(await get(address, '/readyz'), { status: 503, body: 'not ready\n' });
    assert.equal((await get(address, '/healthz')).status, 200);
    await stopping;
    await assert.rejects(get(address, '/healthz'));
  });
});
