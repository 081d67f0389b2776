import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttributeValue, Attributes, LogRecord } from '../../pdata/log-record';
import type { OtlpJsonAnyValue, OtlpJsonExportLogsServiceRequest, OtlpJsonKeyValue } from '../../pdata/otlp/json-encoding';
import { SigmaEngine } from '../../processors/sigma/engine';
import { rulePaths } from '../../processors/sigma/load-config';
import { loadPackOrThrow } from '../../processors/sigma/pack';
import { parseText } from '../../receiver/kata/parse-text';
import type { CliResult } from '../cli/run-cli';
import { BIN, collect, EXAMPLE, ROOT } from '../cli/run-cli';

const DEFAULT_CONFIG = join(ROOT, 'collector-config', 'kata-otel-default.yaml');
const TESTDATA = join(ROOT, 'test', 'service', 'testdata');

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}

function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return collect(start(args, env));
}

function get(address: string, path: string): Promise<{ status: number; body: string }> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const req = request({ host: address.slice(0, i), port: Number(address.slice(i + 1)), path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the first JSON log line on the child's stderr that `match` accepts. */
function waitForLog(child: ChildProcess, match: (l: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no such log line within ${timeoutMs} ms; stderr so far:\n${buf}`)), timeoutMs);
    const onData = (b: Buffer): void => {
      buf += b.toString('utf8');
      for (const line of buf.split('\n')) {
        if (!line.startsWith('{')) continue;
        let l: Record<string, unknown>;
        try {
          l = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (match(l)) {
          clearTimeout(timer);
          child.stderr?.off('data', onData);
          resolve(l);
          return;
        }
      }
    };
    child.stderr?.on('data', onData);
  });
}

function anyValue(v: OtlpJsonAnyValue): AttributeValue {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map((x) => String(anyValue(x)));
  throw new Error(`unexpected value ${JSON.stringify(v)}`);
}

function flat(kvs: OtlpJsonKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

interface FlatRecord {
  time: string;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Attributes;
  resource: Attributes;
}

/** Every record of an OTLP/JSON lines file, with the scope of each. */
function readOutput(path: string): { records: FlatRecord[]; scopes: Set<string> } {
  const records: FlatRecord[] = [];
  const scopes = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const req = JSON.parse(line) as OtlpJsonExportLogsServiceRequest;
    for (const rl of req.resourceLogs ?? []) {
      for (const sl of rl.scopeLogs ?? []) {
        scopes.add(`${sl.scope?.name}@${sl.scope?.version}`);
        for (const lr of sl.logRecords ?? []) {
          records.push({
            time: lr.timeUnixNano ?? '0',
            severityNumber: lr.severityNumber ?? 0,
            severityText: lr.severityText ?? '',
            body: lr.body?.stringValue ?? '',
            attributes: flat(lr.attributes),
            resource: flat(rl.resource?.attributes),
          });
        }
      }
    }
  }
  return { records, scopes };
}

const isCorrelation = (a: Attributes): boolean => a['kata.security.correlation.type'] !== undefined;

/**
 * What the bundled pipeline makes of the example: the records `parse` makes, with
 * log.file.path, tagged by the bundled Sigma pack, and the correlation events it adds.
 */
function expectedExample(): { records: LogRecord[]; correlations: number } {
  const parsed = parseText(readFileSync(EXAMPLE, 'utf8'));
  for (const r of parsed) r.attributes['log.file.path'] = EXAMPLE;
  const out = new SigmaEngine(loadPackOrThrow(rulePaths({ bundled: true, paths: [] }))).process(parsed);
  return { records: parsed, correlations: out.length - parsed.length };
}

/** The output holds exactly the records `parse` makes of the example, with log.file.path, tagged. */
function checkEveryExampleRecord(output: string): number {
  const { records: expected, correlations } = expectedExample();
  const all = readOutput(output);
  const scopes = all.scopes;
  const records = all.records.filter((r) => !isCorrelation(r.attributes));
  assert.equal(all.records.length - records.length, correlations, 'correlation events');
  assert.equal(records.length, expected.length);
  assert.deepEqual([...scopes], [`kata-otel@${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`]);
  // Exporters group a batch by resource, so match records by their first line.
  const byLine = new Map(records.map((r) => [r.attributes['kata.log.line_number'], r]));
  assert.equal(byLine.size, records.length, 'one record per first line');
  for (const e of expected) {
    const line = e.attributes['kata.log.line_number'];
    const got = byLine.get(line);
    assert.ok(got !== undefined, `no record for line ${String(line)}`);
    assert.equal(got.body, e.body, `line ${String(line)}`);
    assert.equal(got.time, e.timeUnixNano === '0' ? '0' : e.timeUnixNano, `line ${String(line)}`);
    assert.equal(got.severityNumber, e.severityNumber);
    assert.equal(got.severityText, e.severityText);
    assert.equal(typeof got.attributes['kata.component'], 'string');
    assert.equal(typeof got.attributes['kata.log.format'], 'string');
    assert.deepEqual(got.attributes, e.attributes, `line ${String(line)}`);
    assert.deepEqual(got.resource, { ...e.resource });
  }
  return all.records.length;
}

describe('kata-otel validate', () => {
  it('exits 0 and summarises a valid config', async () => {
    const r = await run(['validate', '--config', DEFAULT_CONFIG]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'config OK: 1 pipeline, 1 receiver, 2 processors, 1 exporter, 0 extensions\n');
    assert.equal(r.stderr, '');
  });

  it('exits 2 and prints every issue', async () => {
    const r = await run(['validate', '--config', join(TESTDATA, 'bad_values.yaml')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n');
    assert.equal(lines[0], `kata-otel: ${join(TESTDATA, 'bad_values.yaml')}: 8 configuration issues:`);
    assert.equal(lines[1], '  receivers.static_file.paths: Expected a list of files to read, got "examples/kata-node.log"');
    assert.equal(lines[8], '  service.telemetry.metrics.address: Expected host:port (such as 127.0.0.1:8888, [::1]:8888 or :8888), got "localhost"');
    assert.equal(lines.length, 10);
  });

  it('prints warnings and still exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kata-otel-validate-'));
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, 'receivers: {static_file: {paths: [examples/kata-node.log]}}\nexporters: {debug: , debug/spare: }\nservice: {pipelines: {logs: {receivers: [static_file], exporters: [debug]}}}\n');
      const r = await run(['validate', '--config', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'kata-otel: warning: exporters.debug/spare: Defined but not used in any pipeline\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on an unreadable file and on a missing --config', async () => {
    const missing = await run(['validate', '--config', join(TESTDATA, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: Cannot read the configuration file: no such file/);
    const usage = await run(['validate']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^kata-otel: validate needs --config FILE$/m);
    assert.match(usage.stderr, /^ {7}kata-otel validate --config FILE$/m);
  });

  it('uses the environment for ${env:...}', async () => {
    const r = await run(['validate', '--config', DEFAULT_CONFIG], { KATA_OTEL_TELEMETRY_ADDRESS: 'not-an-address' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /service\.telemetry\.metrics\.address: Expected host:port .*, got "not-an-address"/);
  });
});

describe('kata-otel run', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kata-otel-run-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every configuration issue and exits 2 without starting', async () => {
    const r = await run(['run', '--config', join(TESTDATA, 'bad_references.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /: 5 configuration issues:\n/);
    assert.match(r.stderr, /^ {2}service\.pipelines\.logs\.exporters\[1\]: "otlp\/backend" is not defined under exporters$/m);
    assert.doesNotMatch(r.stderr, /"msg"/, 'nothing was started, so no JSON log lines');
  });

  it('runs the bundled config until SIGTERM: every example record in the output, /metrics, /healthz and /readyz answering', async () => {
    const output = join(dir, 'out', 'logs.jsonl');
    const child = start(['run', '--config', DEFAULT_CONFIG], { KATA_OTEL_OUTPUT: output, KATA_OTEL_TELEMETRY_ADDRESS: '127.0.0.1:0' });
    const done = collect(child);
    try {
      const listening = await waitForLog(child, (l) => l.msg === 'telemetry server listening');
      const address = String(listening.address);
      const idle = await waitForLog(child, (l) => l.msg === 'read every file; idle');
      assert.equal(idle.component, 'static_file');
      assert.equal(idle.lines, 212);
      assert.deepEqual(await get(address, '/healthz'), { status: 200, body: 'ok\n' });
      assert.deepEqual(await get(address, '/readyz'), { status: 200, body: 'ready\n' });
      const metrics = await get(address, '/metrics');
      assert.equal(metrics.status, 200);
      const { records: parsed, correlations } = expectedExample();
      const n = parsed.length;
      assert.match(metrics.body, new RegExp(`^kata_otel_records_received_total\\{kind="receiver",component="static_file"\\} ${n}$`, 'm'));
      assert.match(metrics.body, new RegExp(`^kata_otel_records_parsed_total\\{kind="processor",component="kata_parser"\\} ${n}$`, 'm'));
      assert.match(metrics.body, new RegExp(`^kata_otel_records_exported_total\\{kind="exporter",component="file"\\} ${n + correlations}$`, 'm'));
      assert.match(metrics.body, /^kata_otel_export_latency_seconds_count\{kind="exporter",component="file"\} 1$/m);
      // The file was synced before the pipeline accepted the batch: it is complete now.
      assert.equal(checkEveryExampleRecord(output), n + correlations);
    } finally {
      child.kill('SIGTERM');
    }
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const logLines = r.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(logLines.every((l) => typeof l.time === 'string' && typeof l.level === 'string' && typeof l.msg === 'string'), 'structured JSON logs only');
    assert.deepEqual(logLines.filter((l) => l.msg === 'shutting down').map((l) => l.reason), ['SIGTERM']);
    assert.equal(logLines.at(-1)!.msg, 'stopped');
    assert.doesNotMatch(r.stderr, /loaded configuration|IOMMUPlatform/, 'no record content in the logs');
  });

  it('stops by itself with --exit-when-idle once everything was written (the npm start command)', async () => {
    const output = join(dir, 'idle.jsonl');
    const t0 = Date.now();
    const r = await run(['run', '--config', DEFAULT_CONFIG, '--exit-when-idle'], { KATA_OTEL_OUTPUT: output, KATA_OTEL_TELEMETRY_ADDRESS: '127.0.0.1:0' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 < 15_000);
    assert.match(r.stderr, /"msg":"shutting down","reason":"all receivers idle \(--exit-when-idle\)"/);
    checkEveryExampleRecord(output);
  });

  it('exits 1 with a clear log line when a component cannot start', async () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file where a folder must go');
    const config = join(dir, 'c.yaml');
    writeFileSync(config, `
receivers: {static_file: {paths: [examples/kata-node.log]}}
exporters: {file: {path: ${JSON.stringify(join(blocker, 'out.jsonl'))}}}
service:
  pipelines: {logs: {receivers: [static_file], exporters: [file]}}
  telemetry: {metrics: {address: "127.0.0.1:0"}}
`);
    const r = await run(['run', '--config', config]);
    assert.equal(r.code, 1);
    const failed = r.stderr.split('\n').filter((l) => l.includes('"start failed; stopping"'));
    assert.equal(failed.length, 1, r.stderr);
    assert.match(failed[0]!, /exporter file failed to start/);
  });
});
