import assert from 'node:assert/strict';
import type { ConfigIssue } from '../../component/factory';
import { expandEnv } from '../../service/config/env';
import { load } from './helpers';

function expand(value: unknown, env: Record<string, string>): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  return { value: expandEnv(value, env, issues), issues };
}

describe('service config: ${env:...} substitution', () => {
  it('replaces a variable inside text and as a whole value', () => {
    const r = expand({ a: 'dir=${env:DIR}/x', b: '${env:DIR}', list: ['${env:DIR}', 'plain'] }, { DIR: '/var/log' });
    assert.deepEqual(r.value, { a: 'dir=/var/log/x', b: '/var/log', list: ['/var/log', 'plain'] });
    assert.deepEqual(r.issues, []);
  });

  it('uses the default when the variable is unset or empty, and the value when set', () => {
    const r = expand({ unset: '${env:NOPE:-fallback}', empty: '${env:EMPTY:-fallback}', set: '${env:SET:-fallback}', blankDefault: '${env:NOPE:-}' }, { EMPTY: '', SET: 'given' });
    assert.deepEqual(r.value, { unset: 'fallback', empty: 'fallback', set: 'given', blankDefault: '' });
    assert.deepEqual(r.issues, []);
  });

  it('keeps an empty variable without default empty', () => {
    const r = expand({ v: '${env:EMPTY}' }, { EMPTY: '' });
    assert.deepEqual(r.value, { v: '' });
    assert.deepEqual(r.issues, []);
  });

  it('gives a whole-value reference the YAML type of its value, and leaves text as text', () => {
    const r = expand({ n: '${env:N}', b: '${env:B}', f: '${env:F:-0.5}', s: '${env:S}', inText: 'x${env:N}', leadingZero: '${env:Z}' }, { N: '512', B: 'true', S: 'info', Z: '0x1g' });
    assert.deepEqual(r.value, { n: 512, b: true, f: 0.5, s: 'info', inText: 'x512', leadingZero: '0x1g' });
  });

  it('reads $$ as a literal $', () => {
    const r = expand({ v: 'cost $$5 and $${env:X}' }, { X: 'no' });
    assert.deepEqual(r.value, { v: 'cost $5 and ${env:X}' });
    assert.deepEqual(r.issues, []);
  });

  it('names an unset variable and an unsupported reference, at their keys', () => {
    const r = expand({ a: { b: ['ok', 'x-${env:MISSING}'] }, c: '${HOME}', d: '${env:}' }, {});
    assert.deepEqual(r.issues, [
      { path: 'a.b[1]', message: 'Environment variable MISSING is not set; set it or give a default: ${env:MISSING:-value}' },
      { path: 'c', message: 'Unsupported reference "${HOME}"; expected ${env:NAME} or ${env:NAME:-default}' },
      { path: 'd', message: 'Unsupported reference "${env:}"; expected ${env:NAME} or ${env:NAME:-default}' },
    ]);
  });

  it('never expands keys', () => {
    const r = expand({ '${env:K}': 'v' }, { K: 'key' });
    assert.deepEqual(r.value, { '${env:K}': 'v' });
  });

  it('feeds expanded values to the component schemas', () => {
    const r = load(`
receivers:
  static_file:
    paths: ["\${env:EXAMPLES:-examples}/kata-node.log"]
    batch_size: \${env:BATCH}
exporters:
  file:
    path: \${env:OUT}
    append: \${env:APPEND:-false}
service:
  pipelines:
    logs: { receivers: [static_file], exporters: [file] }
  telemetry:
    metrics: { address: "127.0.0.1:\${env:PORT:-0}" }
`, { BATCH: '7', OUT: '/tmp/x.jsonl', APPEND: 'true' });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.config!.receivers.get('static_file')!.config, { paths: ['examples/kata-node.log'], batch_size: 7 });
    assert.deepEqual(r.config!.exporters.get('file')!.config, { path: '/tmp/x.jsonl', format: 'otlp_json', append: true });
    assert.equal(r.config!.telemetry.metrics.address, '127.0.0.1:0');
  });

  it('reports a missing variable once, not again as a bad value', () => {
    const r = load(`
receivers:
  static_file: { paths: [examples/kata-node.log], batch_size: "\${env:BATCH}" }
exporters:
  debug:
service:
  pipelines:
    logs: { receivers: [static_file], exporters: [debug] }
`);
    assert.deepEqual(r.issues.map((i) => `${i.path}: ${i.message}`), [
      'receivers.static_file.batch_size: Environment variable BATCH is not set; set it or give a default: ${env:BATCH:-value}',
    ]);
  });
});
