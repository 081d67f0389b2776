/**
 * Bearer-token auth and TLS / mTLS on both transports, with certificates made by openssl in
 * the test (a CA, a server certificate for 127.0.0.1, a client certificate, and a client
 * certificate from another CA), raw clients and the real OpenTelemetry exporters.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { LOGS_EXPORT_METHOD_PATH } from '../../../pdata/otlp/schema';
import {
  grpcUnary, hasOpenssl, httpPost, logsRequestBytes, makeCerts, startReceiver, textRecord, type RunningReceiver, type TestCerts,
} from './helpers';

const PROTO = { 'Content-Type': 'application/x-protobuf' };
const TOKEN = 'kata-otel-test-token-8c1f2e';

async function emitOne(exporter: LogRecordExporter, body: string): Promise<void> {
  const provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
  provider.getLogger('t').emit({ body });
  await provider.forceFlush();
  await provider.shutdown();
}

describe('otlp receiver: bearer-token auth', function () {
  let r: RunningReceiver;
  const tokenDir = mkdtempSync(join(tmpdir(), 'kata-otel-token-'));

  before(async () => {
    r = await startReceiver({ grpc: { auth: { bearer_token: TOKEN } }, http: { auth: { bearer_token: TOKEN } } });
  });

  after(async () => {
    await r.stop();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    r.logs.records.length = 0;
  });

  it('HTTP: 401 with WWW-Authenticate without or with a wrong token, 200 with the right one', async () => {
    const body = logsRequestBytes([textRecord('authorized')]);
    const none = await httpPost(r.httpPort, '/v1/logs', body, { headers: PROTO });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    const wrong = await httpPost(r.httpPort, '/v1/logs', body, { headers: { ...PROTO, Authorization: `Bearer ${TOKEN}x` } });
    assert.equal(wrong.status, 401);
    const basic = await httpPost(r.httpPort, '/v1/logs', body, { headers: { ...PROTO, Authorization: `Basic ${TOKEN}` } });
    assert.equal(basic.status, 401);
    assert.equal(r.logs.records.length, 0);
    const ok = await httpPost(r.httpPort, '/v1/logs', body, { headers: { ...PROTO, Authorization: `bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(r.logs.records.map((x) => x.body), ['authorized']);
    assert.ok(r.telemetry.value('receiver_otlp_failed_requests_total', { transport: 'http', reason: 'unauthenticated' }) >= 3);
  });

  it('gRPC: UNAUTHENTICATED without or with a wrong token, OK with the right one', async () => {
    const msg = logsRequestBytes([textRecord('authorized')]);
    const none = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, msg);
    assert.equal(none.error?.code, grpc.status.UNAUTHENTICATED);
    const wrong = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, msg, { metadata: { authorization: 'Bearer nope' } });
    assert.equal(wrong.error?.code, grpc.status.UNAUTHENTICATED);
    assert.equal(r.logs.records.length, 0);
    const ok = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, msg, { metadata: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.error, undefined);
    assert.equal(r.logs.records.length, 1);
  });

  it('the real exporters authenticate through headers / metadata', async () => {
    await emitOne(new ProtoLogExporter({ url: `http://127.0.0.1:${r.httpPort}/v1/logs`, headers: { Authorization: `Bearer ${TOKEN}` } }), 'via http');
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    await emitOne(new GrpcLogExporter({ url: `http://127.0.0.1:${r.grpcPort}`, metadata: md }), 'via grpc');
    assert.deepEqual(r.logs.records.map((x) => x.body).sort(), ['via grpc', 'via http']);
  });

  it('never logs the token', () => {
    assert.doesNotMatch(JSON.stringify(r.telemetry.lines), new RegExp(TOKEN));
  });

  it('reads the token from bearer_token_file (whitespace trimmed)', async () => {
    const file = join(tokenDir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    const fr = await startReceiver({ grpc: null, http: { auth: { bearer_token_file: file } } }, 'tokenfile');
    try {
      const body = logsRequestBytes([textRecord('from file')]);
      assert.equal((await httpPost(fr.httpPort, '/v1/logs', body, { headers: PROTO })).status, 401);
      const ok = await httpPost(fr.httpPort, '/v1/logs', body, { headers: { ...PROTO, Authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.equal(fr.logs.records.length, 1);
    } finally {
      await fr.stop();
    }
  });
});

describe('otlp receiver: TLS and mTLS', function () {
  let certs: TestCerts;

  before(function () {
    if (!hasOpenssl()) this.skip(); // certificates are made with the openssl command
    this.timeout(30000);
    certs = makeCerts();
  });

  after(() => {
    certs?.cleanup();
  });

  it('TLS: HTTPS and gRPC over TLS accept clients that trust the CA; plaintext is refused', async () => {
    const tls = { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile };
    const r = await startReceiver({ grpc: { tls }, http: { tls } }, 'tls');
    try {
      const body = logsRequestBytes([textRecord('over tls')]);
      const ok = await httpPost(r.httpPort, '/v1/logs', body, { headers: PROTO, tls: { ca: certs.ca } });
      assert.equal(ok.status, 200);
      await assert.rejects(httpPost(r.httpPort, '/v1/logs', body, { headers: PROTO }), 'plaintext HTTP to the TLS port fails');
      const g = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, body, { credentials: grpc.credentials.createSsl(certs.ca) });
      assert.equal(g.error, undefined);
      const plain = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, body);
      assert.equal(plain.error?.code, grpc.status.UNAVAILABLE);
      assert.equal(r.logs.records.length, 2);
    } finally {
      await r.stop();
    }
  });

  it('mTLS: a client certificate from the configured CA is required', async () => {
    const tls = { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile, client_ca_file: certs.caFile };
    const r = await startReceiver({ grpc: { tls }, http: { tls } }, 'mtls');
    try {
      const body = logsRequestBytes([textRecord('over mtls')]);
      const ok = await httpPost(r.httpPort, '/v1/logs', body, { headers: PROTO, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
      assert.equal(ok.status, 200);
      await assert.rejects(httpPost(r.httpPort, '/v1/logs', body, { headers: PROTO, tls: { ca: certs.ca } }), 'no client certificate');
      await assert.rejects(
        httpPost(r.httpPort, '/v1/logs', body, { headers: PROTO, tls: { ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey } }),
        'a certificate from another CA',
      );
      const g = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, body, {
        credentials: grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert),
      });
      assert.equal(g.error, undefined);
      const noCert = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, body, { credentials: grpc.credentials.createSsl(certs.ca) });
      assert.equal(noCert.error?.code, grpc.status.UNAVAILABLE);
      const stranger = await grpcUnary(r.grpcPort, LOGS_EXPORT_METHOD_PATH, body, {
        credentials: grpc.credentials.createSsl(certs.ca, certs.strangerKey, certs.strangerCert),
      });
      assert.equal(stranger.error?.code, grpc.status.UNAVAILABLE);
      assert.equal(r.logs.records.length, 2);
    } finally {
      await r.stop();
    }
  });

  it('mTLS with the real exporters (gRPC credentials, HTTP agent options)', async () => {
    const tls = { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile, client_ca_file: certs.caFile };
    const r = await startReceiver({ grpc: { tls }, http: { tls } }, 'mtls-sdk');
    try {
      await emitOne(new GrpcLogExporter({
        url: `https://localhost:${r.grpcPort}`,
        credentials: grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert),
      }), 'grpc mtls');
      await emitOne(new ProtoLogExporter({
        url: `https://localhost:${r.httpPort}/v1/logs`,
        httpAgentOptions: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
      }), 'http mtls');
      assert.deepEqual(r.logs.records.map((x) => x.body).sort(), ['grpc mtls', 'http mtls']);
    } finally {
      await r.stop();
    }
  });
});
