/**
 * The `otlp` receiver's configuration: defaults, Collector-style protocol switches, strict
 * keys and the messages of every rejection, through the same parseComponentConfig the
 * service uses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseComponentConfig } from '../../../component/factory';
import { otlpReceiverFactory } from '../../../receiver/otlp';
import { isLoopbackHost, parseEndpoint } from '../../../receiver/otlp/config';

const KEY = 'receivers.otlp';

function parse(yaml: string) {
  return parseComponentConfig(otlpReceiverFactory, parseYaml(yaml), KEY);
}

const GRPC_DEFAULTS = { endpoint: '127.0.0.1:4317', max_recv_msg_size_mib: 64 };
const HTTP_DEFAULTS = { endpoint: '127.0.0.1:4318', max_request_body_size_mib: 64 };

describe('otlp receiver: config', function () {
  it('is registered as type "otlp"', () => {
    assert.equal(otlpReceiverFactory.type, 'otlp');
    assert.equal(typeof otlpReceiverFactory.createLogs, 'function');
    assert.equal(typeof otlpReceiverFactory.createTraces, 'function');
  });

  it('`otlp:` with no body enables both protocols with loopback defaults', () => {
    const { config, issues } = parse('');
    assert.deepEqual(issues, []);
    assert.deepEqual(config, { protocols: { grpc: GRPC_DEFAULTS, http: HTTP_DEFAULTS } });
  });

  it('as in the Collector, a listed protocol (even `grpc:` with no body) is on and an omitted one off', () => {
    assert.deepEqual(parse('protocols:\n  grpc:\n').config, { protocols: { grpc: GRPC_DEFAULTS, http: null } });
    assert.deepEqual(parse('protocols:\n  http: {}\n').config, { protocols: { grpc: null, http: HTTP_DEFAULTS } });
    assert.deepEqual(parse('protocols:\n  grpc:\n  http:\n').config, { protocols: { grpc: GRPC_DEFAULTS, http: HTTP_DEFAULTS } });
  });

  it('keeps every field given', () => {
    const { config, issues } = parse(`
protocols:
  grpc:
    endpoint: "[::1]:14317"
    max_recv_msg_size_mib: 8
    auth: { bearer_token: abc }
  http:
    endpoint: 0.0.0.0:14318
    max_request_body_size_mib: 0.5
`);
    assert.deepEqual(issues, []);
    assert.deepEqual(config, {
      protocols: {
        grpc: { endpoint: '[::1]:14317', max_recv_msg_size_mib: 8, auth: { bearer_token: 'abc' } },
        http: { endpoint: '0.0.0.0:14318', max_request_body_size_mib: 0.5 },
      },
    });
  });

  it('rejects unknown keys, naming them with their path', () => {
    const { config, issues } = parse('protocols:\n  grpc:\n    endpiont: 1.2.3.4:1\n  kafka: {}\nextra: 1\n');
    assert.equal(config, undefined);
    const text = issues.map((i) => `${i.path}: ${i.message}`);
    assert.ok(text.some((t) => t.startsWith('receivers.otlp.protocols.grpc: ') && t.includes('endpiont')), text.join('\n'));
    assert.ok(text.some((t) => t.startsWith('receivers.otlp.protocols: ') && t.includes('kafka')), text.join('\n'));
    assert.ok(text.some((t) => t.startsWith('receivers.otlp: ') && t.includes('extra')), text.join('\n'));
  });

  it('rejects bad endpoints and sizes with what is expected', () => {
    for (const ep of ['4317', 'localhost', 'host:99999', ':4317', '[zz]:1', 'a b:1']) {
      const { issues } = parse(`protocols:\n  grpc:\n    endpoint: "${ep}"\n`);
      assert.equal(issues.length, 1, ep);
      assert.equal(issues[0]!.path, 'receivers.otlp.protocols.grpc.endpoint');
      assert.match(issues[0]!.message, /host:port/);
    }
    const size = parse('protocols:\n  http:\n    max_request_body_size_mib: 0\n');
    assert.equal(size.issues[0]!.path, 'receivers.otlp.protocols.http.max_request_body_size_mib');
  });

  it('auth needs exactly one of bearer_token and bearer_token_file; tls needs cert and key', () => {
    const both = parse('protocols:\n  http:\n    auth: { bearer_token: a, bearer_token_file: /f }\n');
    assert.equal(both.issues[0]!.path, 'receivers.otlp.protocols.http.auth');
    assert.match(both.issues[0]!.message, /exactly one of bearer_token and bearer_token_file/);
    const none = parse('protocols:\n  http:\n    auth: {}\n');
    assert.match(none.issues[0]!.message, /exactly one/);
    const tls = parse('protocols:\n  grpc:\n    tls: { cert_file: a.pem }\n');
    assert.equal(tls.issues[0]!.path, 'receivers.otlp.protocols.grpc.tls.key_file');
  });

  it('validate: at least one protocol, no shared port, files that exist', () => {
    const empty = parse('protocols: {}\n');
    assert.deepEqual(empty.issues.map((i) => i.path), ['receivers.otlp.protocols']);
    assert.match(empty.issues[0]!.message, /enable at least one of grpc and http/);

    const clash = parse('protocols:\n  grpc: { endpoint: "127.0.0.1:5000" }\n  http: { endpoint: "0.0.0.0:5000" }\n');
    assert.deepEqual(clash.issues.map((i) => i.path), ['receivers.otlp.protocols.http.endpoint']);
    assert.deepEqual(parse('protocols:\n  grpc: { endpoint: "127.0.0.1:5000" }\n  http: { endpoint: "127.0.0.2:5000" }\n').issues, []);

    const missing = parse(`
protocols:
  grpc:
    tls: { cert_file: /nonexistent/s.pem, key_file: /nonexistent/s.key, client_ca_file: /nonexistent/ca.pem }
  http:
    auth: { bearer_token_file: /nonexistent/token }
`);
    assert.deepEqual(missing.issues.map((i) => i.path), [
      'receivers.otlp.protocols.grpc.tls.cert_file',
      'receivers.otlp.protocols.grpc.tls.key_file',
      'receivers.otlp.protocols.grpc.tls.client_ca_file',
      'receivers.otlp.protocols.http.auth.bearer_token_file',
    ]);
    assert.match(missing.issues[0]!.message, /does not exist/);

    const dir = mkdtempSync(join(tmpdir(), 'kata-otel-cfg-'));
    try {
      const f = join(dir, 'token');
      writeFileSync(f, 't');
      assert.deepEqual(parse(`protocols:\n  http:\n    auth: { bearer_token_file: ${f} }\n`).issues, []);
      assert.match(parse(`protocols:\n  http:\n    auth: { bearer_token_file: ${dir} }\n`).issues[0]!.message, /not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('endpoint helpers: parsing and loopback', () => {
    assert.deepEqual(parseEndpoint('[::1]:4317'), { host: '::1', port: 4317 });
    assert.deepEqual(parseEndpoint('collector.local:0'), { host: 'collector.local', port: 0 });
    assert.equal(parseEndpoint('[::1]4317'), undefined);
    for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
  });
});
