import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RetryableError } from '../../component/errors';
import { fileExporterConfigSchema } from '../../exporter/file/config';
import { fileExporterFactory } from '../../exporter/file/factory';
import type { FileExporterOptions, OutputFile } from '../../exporter/file/file-exporter';
import { FileExporter, openOutputFile } from '../../exporter/file/file-exporter';
import type { LogRecord } from '../../pdata/log-record';
import { emptyRecord } from '../../pdata/log-record';
import type { OtlpJsonExportLogsServiceRequest } from '../../pdata/otlp/json-encoding';
import { exportRequestLine } from '../../pdata/otlp/json-encoding';
import { encodeExportLogsRequest, exportLogsRequestFromJson, decodeExportLogsRequest } from '../../pdata/otlp/codec';
import { componentMetrics } from '../../service/telemetry/metrics';
import { ServiceTelemetry } from '../../service/telemetry/telemetry';
import { LogCapture } from '../service/helpers';

const RESOURCE = Object.freeze({ 'service.name': 'kata-agent', 'host.name': 'node-1' });

function records(n: number, prefix = 'r', bodyBytes = 10): LogRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const r = emptyRecord('1800000000000000000');
    r.timeUnixNano = '1650604627936888662';
    r.severityNumber = 9;
    r.severityText = 'info';
    r.body = `${prefix}${i}:${'x'.repeat(bodyBytes)}`;
    r.attributes = { 'kata.component': 'agent', 'kata.log.line_number': i + 1, 'kata.log.envelope': ['journal-short'] };
    r.resource = RESOURCE;
    return r;
  });
}

let dir: string;
let telemetry: ServiceTelemetry;

function exporter(opts: Partial<FileExporterOptions> = {}): FileExporter {
  return new FileExporter({
    path: join(dir, 'out', 'logs.jsonl'),
    format: 'otlp_json',
    append: false,
    maxBackups: 0,
    scope: { name: 'kata-otel', version: '9.9.9' },
    metrics: componentMetrics(telemetry.forComponent('exporter', 'file')),
    logger: telemetry.logger,
    ...opts,
  });
}

function fileLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

/** Bodies of every record in an OTLP/JSON lines file. */
function bodies(path: string): string[] {
  const out: string[] = [];
  for (const line of fileLines(path)) {
    const req = JSON.parse(line) as OtlpJsonExportLogsServiceRequest;
    for (const rl of req.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const lr of sl.logRecords ?? []) out.push(lr.body?.stringValue ?? '');
  }
  return out;
}

describe('file exporter', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kata-otel-file-'));
    telemetry = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one OTLP/JSON ExportLogsServiceRequest per batch, creating the folder', async () => {
    const e = exporter();
    await e.start();
    await e.consumeLogs(records(3, 'a'));
    await e.consumeLogs(records(2, 'b'));
    await e.shutdown();
    const path = join(dir, 'out', 'logs.jsonl');
    const lines = fileLines(path);
    assert.equal(lines.length, 2);
    const req = JSON.parse(lines[0]!) as OtlpJsonExportLogsServiceRequest;
    assert.deepEqual(req.resourceLogs![0]!.resource, {
      attributes: [{ key: 'service.name', value: { stringValue: 'kata-agent' } }, { key: 'host.name', value: { stringValue: 'node-1' } }],
    });
    assert.deepEqual(req.resourceLogs![0]!.scopeLogs![0]!.scope, { name: 'kata-otel', version: '9.9.9' });
    assert.deepEqual(req.resourceLogs![0]!.scopeLogs![0]!.logRecords![0], {
      timeUnixNano: '1650604627936888662',
      observedTimeUnixNano: '1800000000000000000',
      severityNumber: 9,
      severityText: 'info',
      body: { stringValue: 'a0:xxxxxxxxxx' },
      attributes: [
        { key: 'kata.component', value: { stringValue: 'agent' } },
        { key: 'kata.log.line_number', value: { intValue: '1' } },
        { key: 'kata.log.envelope', value: { arrayValue: { values: [{ stringValue: 'journal-short' }] } } },
      ],
    });
    // Every line is a request the OTLP protobuf schema accepts.
    for (const l of lines) {
      const decoded = decodeExportLogsRequest(encodeExportLogsRequest(exportLogsRequestFromJson(JSON.parse(l) as OtlpJsonExportLogsServiceRequest)));
      assert.ok((decoded.resourceLogs?.length ?? 0) > 0);
    }
    assert.deepEqual(bodies(path).map((b) => b.split(':')[0]), ['a0', 'a1', 'a2', 'b0', 'b1']);
    assert.equal(await telemetry.value('records_exported_total', { kind: 'exporter', component: 'file' }), 5);
    assert.match(await telemetry.scrape(), /^kata_otel_export_latency_seconds_count\{kind="exporter",component="file"\} 2$/m);
  });

  it('writes one flat JSON object per record with format ndjson', async () => {
    const e = exporter({ format: 'ndjson' });
    await e.start();
    await e.consumeLogs(records(2));
    await e.shutdown();
    const lines = fileLines(join(dir, 'out', 'logs.jsonl')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[1], {
      timeUnixNano: '1650604627936888662', observedTimeUnixNano: '1800000000000000000', severityNumber: 9, severityText: 'info',
      body: 'r1:xxxxxxxxxx', eventName: '', traceId: '', spanId: '',
      attributes: { 'kata.component': 'agent', 'kata.log.line_number': 2, 'kata.log.envelope': ['journal-short'] },
      resource: { 'service.name': 'kata-agent', 'host.name': 'node-1' },
    });
  });

  it('starts a fresh file by default and appends with append: true', async () => {
    const path = join(dir, 'out', 'logs.jsonl');
    for (const append of [false, false, true]) {
      const e = exporter({ append });
      await e.start();
      await e.consumeLogs(records(1, append ? 'kept' : 'fresh'));
      await e.shutdown();
    }
    assert.deepEqual(bodies(path).map((b) => b.split(':')[0]), ['fresh0', 'kept0']);
  });

  it('resolves consumeLogs only after the batch was written and fsync\'ed, one batch at a time', async () => {
    const events: string[] = [];
    let releaseSync!: () => void;
    const fake: OutputFile = {
      write: async (text) => {
        events.push(`write ${text.length > 0 ? 'batch' : 'empty'}`);
      },
      sync: () => {
        events.push('sync');
        if (events.filter((e) => e === 'sync').length === 1) return new Promise((r) => (releaseSync = r));
        return Promise.resolve();
      },
      close: async () => {
        events.push('close');
      },
    };
    const e = exporter({ openFile: async () => fake });
    await e.start();
    let firstDone = false;
    const first = e.consumeLogs(records(1)).then(() => {
      events.push('resolved 1');
      firstDone = true;
    });
    const second = e.consumeLogs(records(1)).then(() => events.push('resolved 2'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(firstDone, false, 'not resolved while fsync is pending');
    assert.deepEqual(events, ['write batch', 'sync'], 'the second batch waits for the first');
    releaseSync();
    await Promise.all([first, second]);
    assert.deepEqual(events.filter((x) => x !== 'resolved 1'), ['write batch', 'sync', 'write batch', 'sync', 'resolved 2']);
    assert.ok(events.indexOf('resolved 1') > 1, 'the first batch resolved after its fsync');
    await e.shutdown();
    assert.equal(events.at(-1), 'close');
  });

  it('rejects a batch it could not write as retryable, and refuses batches after shutdown', async () => {
    const e = exporter({ openFile: async () => ({ write: async () => { throw new Error('ENOSPC: no space left on device'); }, sync: async () => undefined, close: async () => undefined }) });
    await e.start();
    await assert.rejects(e.consumeLogs(records(1)), (err) => err instanceof RetryableError && err.code === 'KO_ERR_FILE_WRITE' && /no space left/.test(err.message));
    await e.shutdown();
    await assert.rejects(e.consumeLogs(records(1)), (err) => err instanceof RetryableError && err.code === 'KO_ERR_FILE_EXPORTER_STOPPED');
  });

  it('finishes the write in progress before shutdown closes the file', async () => {
    const e = exporter();
    await e.start();
    const pending = e.consumeLogs(records(200, 'late'));
    await e.shutdown();
    await pending;
    assert.equal(bodies(join(dir, 'out', 'logs.jsonl')).length, 200);
  });

  it('rotates before a batch would pass the size limit, never splitting a batch, and keeps max_backups', async () => {
    let clock = Date.parse('2026-11-27T04:52:01.000Z');
    const batchBytes = Buffer.byteLength(exportRequestLine(records(5, 'b0-', 150), { name: 'kata-otel', version: '9.9.9' })) + 1;
    const maxBytes = Math.floor(batchBytes * 2.5); // two batches fit, a third does not
    const e = exporter({ maxBytes, maxBackups: 2, now: () => new Date(clock) });
    await e.start();
    const sent: string[] = [];
    for (let i = 0; i < 8; i++) {
      const batch = records(5, `b${i}-`, 150);
      sent.push(...batch.map((r) => r.body));
      await e.consumeLogs(batch);
      clock += 1000;
    }
    await e.shutdown();
    const outDir = join(dir, 'out');
    const files = readdirSync(outDir).sort();
    // 8 batches, 2 per file: 4 files, of which the current one and the 2 newest backups remain.
    // Rotations when writing batches 2, 4 and 6 (at 04:52:03, :05, :07); the oldest backup is gone.
    assert.deepEqual(files, ['logs-2026-11-27T04-52-05.000Z.jsonl', 'logs-2026-11-27T04-52-07.000Z.jsonl', 'logs.jsonl']);
    for (const f of files) {
      const lines = fileLines(join(outDir, f));
      assert.equal(lines.length, 2, f);
      assert.ok(readFileSync(join(outDir, f)).length <= maxBytes, `${f} within the limit`);
    }
    const kept = [...bodies(join(outDir, files[0]!)), ...bodies(join(outDir, files[1]!)), ...bodies(join(outDir, 'logs.jsonl'))];
    assert.deepEqual(kept, sent.slice(10), 'the newest 30 records, in order, none lost between files');
  });

  it('gives a batch larger than the limit a file of its own, and two rotations in the same millisecond distinct names', async () => {
    const e = exporter({ maxBytes: 1000, maxBackups: 0, now: () => new Date('2026-01-01T00:00:00.000Z') });
    await e.start();
    await e.consumeLogs(records(1, 'small'));
    await e.consumeLogs(records(10, 'big', 200));
    await e.consumeLogs(records(1, 'after'));
    await e.shutdown();
    const outDir = join(dir, 'out');
    assert.deepEqual(readdirSync(outDir).sort(), ['logs-2026-01-01T00-00-00.000Z-1.jsonl', 'logs-2026-01-01T00-00-00.000Z.jsonl', 'logs.jsonl']);
    assert.deepEqual(bodies(join(outDir, 'logs-2026-01-01T00-00-00.000Z.jsonl')).map((b) => b.split(':')[0]), ['small0']);
    assert.equal(bodies(join(outDir, 'logs-2026-01-01T00-00-00.000Z-1.jsonl')).length, 10);
    assert.deepEqual(bodies(join(outDir, 'logs.jsonl')).map((b) => b.split(':')[0]), ['after0']);
  });

  it('rotates by max_megabytes when built from its config', async () => {
    const path = join(dir, 'out', 'big.jsonl');
    const config = fileExporterConfigSchema.parse({ path, rotation: { max_megabytes: 1, max_backups: 1 } });
    assert.deepEqual(config, { path, format: 'otlp_json', append: false, rotation: { max_megabytes: 1, max_backups: 1 } });
    const e = fileExporterFactory.createLogs!({ id: { type: 'file', name: '' }, telemetry: telemetry.forComponent('exporter', 'file'), storageDir: dir }, config);
    await e.start({ telemetry, reportFatalError: () => assert.fail('no fatal error expected') });
    for (let i = 0; i < 3; i++) await e.consumeLogs(records(400, `m${i}-`, 1500)); // ~700 kB each
    await e.shutdown();
    const files = readdirSync(join(dir, 'out')).sort();
    assert.equal(files.length, 2, files.join(', '));
    assert.match(files[0]!, /^big-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.jsonl$/);
    assert.deepEqual(bodies(path).map((b) => b.split(':')[0]).slice(0, 1), ['m2-0']);
  });

  it('claims its path, and refuses a directory as path', () => {
    assert.deepEqual(fileExporterFactory.claims!({ path: 'x.jsonl', format: 'otlp_json', append: false }), [{ kind: 'file', value: 'x.jsonl', path: 'path' }]);
    assert.deepEqual(fileExporterFactory.validate!({ path: dir, format: 'otlp_json', append: false }), [
      { path: 'path', message: `Expected a file, but ${JSON.stringify(dir)} is a directory` },
    ]);
    assert.deepEqual(fileExporterFactory.validate!({ path: join(dir, 'new.jsonl'), format: 'otlp_json', append: false }), []);
  });

  it('opens real files with the requested mode', async () => {
    const path = join(dir, 'real.txt');
    writeFileSync(path, 'old\n');
    const f = await openOutputFile(path, 'a');
    await f.write('new\n');
    await f.sync();
    await f.close();
    assert.equal(readFileSync(path, 'utf8'), 'old\nnew\n');
    assert.ok(existsSync(path));
  });
});
