/**
 * TLS and mTLS against real servers with certificates made for the test (openssl): both
 * exporters deliver when they trust the CA and present a client certificate; without the
 * client certificate the handshake fails, which is retryable (nothing dropped, the records
 * stay queued).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OtlpBackend } from './otlp-backend';
import { makeRecords, tempDir, waitFor } from './otlp-fakes';
import { logsExporter, shutdownAll } from './otlp-harness';

function makePki(dir: string): Record<'ca' | 'serverKey' | 'serverCert' | 'clientKey' | 'clientCert', string> {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=kata-otel test CA');
  for (const [name, ext] of [
    ['server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? 'localhost' : 'kata-otel'}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  return {
    ca: join(dir, 'ca.pem'), serverKey: join(dir, 'server.key'), serverCert: join(dir, 'server.pem'),
    clientKey: join(dir, 'client.key'), clientCert: join(dir, 'client.pem'),
  };
}

describe('otlp exporters: TLS and mTLS', function () {
  this.timeout(60_000);
  let pki: ReturnType<typeof makePki>;
  let backend: OtlpBackend;
  before(async () => {
    pki = makePki(tempDir('pki'));
    backend = new OtlpBackend({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.ca) });
    await backend.start();
  });
  after(() => backend.stop());
  afterEach(() => shutdownAll());
  beforeEach(() => {
    backend.records.length = 0;
  });

  for (const transport of ['grpc', 'http'] as const) {
    it(`${transport}: delivers over mTLS with the configured CA and client certificate`, async () => {
      const endpoint = transport === 'grpc' ? backend.grpcEndpoint.replace('https://', '') : backend.httpEndpoint;
      const { exporter, telemetry } = await logsExporter(transport, endpoint, tempDir('tls'), {
        tls: { ca_file: pki.ca, cert_file: pki.clientCert, key_file: pki.clientKey },
      });
      await exporter.consumeLogs(makeRecords(0, 20));
      await waitFor(() => telemetry.count('records_exported_total') >= 20, 10_000, '20 records acknowledged over mTLS');
      assert.equal(backend.records.length, 20);
      assert.equal(telemetry.count('records_retried_total'), 0);
    });

    it(`${transport}: without a client certificate the handshake fails; retried, nothing dropped`, async () => {
      const endpoint = transport === 'grpc' ? backend.grpcEndpoint : backend.httpEndpoint;
      const { exporter, telemetry, core } = await logsExporter(transport, endpoint, tempDir('tls'), { tls: { ca_file: pki.ca } });
      await exporter.consumeLogs(makeRecords(0, 5));
      await waitFor(() => telemetry.count('records_retried_total') >= 10, 10_000, 'retried handshakes');
      assert.equal(backend.records.length, 0);
      assert.equal(telemetry.count('records_dropped_total'), 0);
      assert.equal(core.queueDepth.records, 5);
    });
  }
});
