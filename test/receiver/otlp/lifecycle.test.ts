/**
 * Start and shutdown: idempotent, ports freed, logs and traces parts sharing one pair of
 * listeners, in-flight requests finished on shutdown, start failures cleaned up, and the
 * warning for a non-loopback endpoint without TLS.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import type { LogsConsumer } from '../../../consumer/consumer';
import type { LogRecord } from '../../../pdata/log-record';
import { LOGS_EXPORT_METHOD_PATH, TRACES_EXPORT_METHOD_PATH } from '../../../pdata/otlp/schema';
import { otlpReceiverFactory } from '../../../receiver/otlp';
import type { OtlpReceiverPart } from '../../../receiver/otlp/receiver';
import {
  grpcUnary, host, httpPost, logsRequestBytes, receiverConfig, RecordingLogsConsumer, RecordingTelemetry,
  startReceiver, textRecord,
} from './helpers';

const PROTO = { 'Content-Type': 'application/x-protobuf' };
const JSON_CT = { 'Content-Type': 'application/json' };

/** Resolves true when `port` on 127.0.0.1 can be bound again. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function settings(telemetry: RecordingTelemetry, name = 'life') {
  return { id: { type: 'otlp', name }, telemetry, storageDir: tmpdir() };
}

describe('otlp receiver: lifecycle', function () {
  it('start and shutdown are idempotent, shutdown without start is fine, and the ports are freed', async () => {
    const telemetry = new RecordingTelemetry();
    const config = receiverConfig();
    const part = otlpReceiverFactory.createLogs!(settings(telemetry), config, new RecordingLogsConsumer()) as OtlpReceiverPart;
    const h = host(telemetry);
    await Promise.all([part.start(h), part.start(h)]);
    await part.start(h);
    const { grpcPort, httpPort } = part;
    assert.ok(grpcPort! > 0 && httpPort! > 0);
    assert.equal(await portIsFree(grpcPort!), false);
    assert.equal(await portIsFree(httpPort!), false);
    await Promise.all([part.shutdown(), part.shutdown()]);
    await part.shutdown();
    assert.equal(await portIsFree(grpcPort!), true, 'gRPC port freed');
    assert.equal(await portIsFree(httpPort!), true, 'HTTP port freed');
    await assert.rejects(part.start(h), /start after shutdown/);

    const never = otlpReceiverFactory.createLogs!(settings(telemetry, 'never'), receiverConfig(), new RecordingLogsConsumer());
    await never.shutdown();
    await never.shutdown();
  });

  it('logs and traces parts share the listeners; each signal stops with its part, the ports with the last', async () => {
    const r = await startReceiver({}, 'shared');
    assert.equal(r.logsPart.grpcPort, r.tracesPart.grpcPort);
    assert.equal(r.logsPart.httpPort, r.tracesPart.httpPort);
    await r.logsPart.shutdown();
    const logs = await httpPost(r.httpPort, '/v1/logs', logsRequestBytes([textRecord('late')]), { headers: PROTO });
    assert.equal(logs.status, 503, 'logs part stopped: retry later');
    const glogs = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, logsRequestBytes([textRecord('late')]));
    assert.equal(glogs.error?.code, grpc.status.UNAVAILABLE);
    const traces = await httpPost(r.httpPort, '/v1/traces', '{}', { headers: JSON_CT });
    assert.equal(traces.status, 200, 'traces part still running');
    assert.equal(r.logs.records.length, 0);
    await r.tracesPart.shutdown();
    assert.equal(await portIsFree(r.httpPort), true);
    assert.equal(await portIsFree(r.grpcPort), true);
  });

  it('a receiver created for logs only answers traces with 404 / UNIMPLEMENTED', async () => {
    const telemetry = new RecordingTelemetry();
    const part = otlpReceiverFactory.createLogs!(settings(telemetry, 'logsonly'), receiverConfig(), new RecordingLogsConsumer()) as OtlpReceiverPart;
    await part.start(host(telemetry));
    try {
      const res = await httpPost(part.httpPort!, '/v1/traces', '{}', { headers: JSON_CT });
      assert.equal(res.status, 404);
      const g = await grpcUnary(part.grpcPort!, TRACES_EXPORT_METHOD_PATH, Buffer.alloc(0));
      assert.equal(g.error?.code, grpc.status.UNIMPLEMENTED);
    } finally {
      await part.shutdown();
    }
  });

  it('creating the same signal twice for one config is an error (one fan-out consumer per signal)', async () => {
    const telemetry = new RecordingTelemetry();
    const config = receiverConfig();
    const a = otlpReceiverFactory.createLogs!(settings(telemetry, 'twice'), config, new RecordingLogsConsumer());
    assert.throws(() => otlpReceiverFactory.createLogs!(settings(telemetry, 'twice'), config, new RecordingLogsConsumer()), /created twice/);
    await a.shutdown();
  });

  it('only one protocol: the other one does not listen', async () => {
    const r = await startReceiver({ grpc: null }, 'httponly');
    try {
      assert.equal(r.logsPart.grpcPort, undefined);
      assert.equal((await httpPost(r.httpPort, '/v1/logs', logsRequestBytes([textRecord('x')]), { headers: PROTO })).status, 200);
    } finally {
      await r.stop();
    }
  });

  it('a start that fails (port in use) rejects, names the cause and releases what it bound', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const telemetry = new RecordingTelemetry();
    const config = receiverConfig({ http: { endpoint: `127.0.0.1:${taken}` } });
    const part = otlpReceiverFactory.createLogs!(settings(telemetry, 'clash'), config, new RecordingLogsConsumer()) as OtlpReceiverPart;
    try {
      await assert.rejects(part.start(host(telemetry)), /otlp\/clash: cannot start: .*EADDRINUSE/);
      const grpcPort = part.grpcPort!;
      assert.ok(grpcPort > 0, 'gRPC had bound before HTTP failed');
      assert.equal(await portIsFree(grpcPort), true, 'and was released');
      await part.shutdown();

      const grpcClash = otlpReceiverFactory.createLogs!(
        settings(telemetry, 'clash2'), receiverConfig({ grpc: { endpoint: `127.0.0.1:${taken}` } }), new RecordingLogsConsumer(),
      ) as OtlpReceiverPart;
      await assert.rejects(grpcClash.start(host(telemetry)), /otlp\/clash2: cannot start/);
      assert.equal(grpcClash.httpPort, undefined, 'HTTP was not started after gRPC failed');
      await grpcClash.shutdown();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('shutdown lets an in-flight request finish, then closes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const received: LogRecord[] = [];
    const slow: LogsConsumer = {
      consumeLogs: async (records) => {
        entered();
        await gate;
        received.push(...records);
      },
    };
    const telemetry = new RecordingTelemetry();
    const part = otlpReceiverFactory.createLogs!(settings(telemetry, 'drain'), receiverConfig({ grpc: null }), slow) as OtlpReceiverPart;
    await part.start(host(telemetry));
    const port = part.httpPort!;
    const pending = httpPost(port, '/v1/logs', logsRequestBytes([textRecord('in flight')]), { headers: PROTO });
    await inside;
    let stopped = false;
    const stopping = part.shutdown().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(stopped, false, 'shutdown waits for the request');
    await assert.rejects(httpPost(port, '/v1/logs', logsRequestBytes([]), { headers: PROTO }), 'no new connections');
    release();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(received.map((x) => x.body), ['in flight']);
    await stopping;
    assert.equal(await portIsFree(port), true);
  });

  it('warns when an endpoint is reachable beyond loopback without TLS, not on loopback', async () => {
    const exposed = await startReceiver({ grpc: { endpoint: '0.0.0.0:0' }, http: null }, 'exposed');
    await exposed.stop();
    const warned = exposed.telemetry.warnings().filter((l) => /beyond loopback without TLS/.test(l.msg));
    assert.equal(warned.length, 1);
    assert.equal(warned[0]!.fields.protocol, 'grpc');
    const local = await startReceiver({}, 'local');
    await local.stop();
    assert.equal(local.telemetry.warnings().length, 0);
  });
});
