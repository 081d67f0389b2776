import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { debugExporterConfigSchema } from '../../exporter/debug/config';
import { DebugExporter } from '../../exporter/debug/debug-exporter';
import type { LogRecord } from '../../pdata/log-record';
import { emptyRecord } from '../../pdata/log-record';
import { componentMetrics } from '../../service/telemetry/metrics';
import { ServiceTelemetry } from '../../service/telemetry/telemetry';
import { LogCapture } from '../service/helpers';

function rec(body: string, service: Readonly<Record<string, string>>): LogRecord {
  const r = emptyRecord('1800000000000000000');
  r.timeUnixNano = '1650604627936888662';
  r.severityNumber = 13;
  r.severityText = 'warning';
  r.body = body;
  r.attributes = { 'kata.component': 'runtime', 'kata.sandbox.id': '3a0b9ebe70d0932d6d1d', 'kata.log.envelope': ['journal-short'] };
  r.resource = service;
  return r;
}

const R1 = Object.freeze({ 'service.name': 'containerd-shim-kata-v2' });
const R2 = Object.freeze({ 'service.name': 'kata-agent' });

async function run(verbosity: string, records: LogRecord[]): Promise<{ text: string; exported: number | undefined }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString('utf8')));
  const t = new ServiceTelemetry({ level: 'error', out: new LogCapture(), processMetrics: false });
  const e = new DebugExporter('debug', debugExporterConfigSchema.parse({ verbosity }), out, componentMetrics(t.forComponent('exporter', 'debug')));
  await e.start();
  await e.consumeLogs(records);
  await e.shutdown();
  return { text, exported: await t.value('records_exported_total', { kind: 'exporter', component: 'debug' }) };
}

describe('debug exporter', () => {
  const records = [rec('loaded configuration', R1), rec('two\nlines \x1b[31mred\x1b[0m', R2), rec('third', R1)];

  it('basic: one line per batch', async () => {
    const r = await run('basic', records);
    assert.equal(r.text, 'debug: 3 log records, 2 resources\n');
    assert.equal(r.exported, 3);
  });

  it('normal: the parse table, one line per record', async () => {
    const r = await run('normal', records);
    const lines = r.text.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^TIME\s+LEVEL\s+COMPONENT\s+SANDBOX\s+BODY$/);
    assert.match(lines[1]!, /^2022-04-22T05:17:07\.936888662Z\s+WARN\s+runtime\s+3a0b9ebe70d0 loaded configuration$/);
    assert.match(lines[2]!, /two⏎lines red$/);
  });

  it('detailed: every field, terminal-safe', async () => {
    const r = await run('detailed', [records[1]!]);
    assert.equal(r.text, [
      'LogRecord #0',
      '    Resource:',
      '        service.name: kata-agent',
      '    Time: 2022-04-22T05:17:07.936888662Z (1650604627936888662)',
      '    ObservedTime: 2027-01-15T08:00:00.000000000Z (1800000000000000000)',
      '    Severity: WARN (13) "warning"',
      '    Body: two',
      '          lines red',
      '    Attributes:',
      '        kata.component: runtime',
      '        kata.sandbox.id: 3a0b9ebe70d0932d6d1d',
      '        kata.log.envelope: ["journal-short"]',
      '',
    ].join('\n'));
  });
});
