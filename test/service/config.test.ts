import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigIssue } from '../../component/factory';
import { formatIssue } from '../../service/config/issues';
import { describeConfig, loadConfigFile } from '../../service/config/load';
import type { LoadResult } from '../../service/config/types';
import { ROOT } from '../cli/run-cli';
import { load, testRegistry } from './helpers';

const TESTDATA = join(ROOT, 'test', 'service', 'testdata');

function loadFile(name: string, env: Record<string, string> = {}): LoadResult {
  return load(readFileSync(join(TESTDATA, name), 'utf8'), env);
}

function lines(issues: ConfigIssue[]): string[] {
  return issues.map(formatIssue);
}

describe('service config: loading', () => {
  it('reads every key of config.yaml, filling defaults', () => {
    const r = loadFile('config.yaml', { OUT_DIR: '/tmp/out', PORT: '9100' });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.warnings, []);
    const c = r.config!;
    assert.deepEqual([...c.receivers.keys()], ['static_file', 'static_file/again']);
    assert.deepEqual(c.receivers.get('static_file')!.config, { paths: ['examples/kata-node.log'], batch_size: 512 });
    assert.deepEqual(c.receivers.get('static_file/again')!.config, { paths: ['examples/README.md'], batch_size: 64 });
    assert.deepEqual(c.receivers.get('static_file/again')!.id, { type: 'static_file', name: 'again' });
    assert.equal(c.receivers.get('static_file')!.kind, 'receiver');
    assert.deepEqual(c.processors.get('kata_parser')!.config, { original: false, max_lines: 1000, max_bytes: 1048576 });
    assert.deepEqual(c.processors.get('kata_parser/original')!.config, { original: true, max_lines: 50, max_bytes: 65536 });
    assert.deepEqual(c.exporters.get('file')!.config, { path: '/tmp/out/logs.jsonl', format: 'otlp_json', append: false });
    assert.deepEqual(c.exporters.get('file/rotated')!.config, {
      path: '/tmp/out/rotated.ndjson', format: 'ndjson', append: true, rotation: { max_megabytes: 10, max_backups: 3 },
    });
    assert.deepEqual(c.exporters.get('debug')!.config, { verbosity: 'detailed' });
    assert.equal(c.extensions.size, 0);
    assert.deepEqual([...c.pipelines.values()], [
      { key: 'logs', signal: 'logs', receivers: ['static_file'], processors: ['kata_parser'], exporters: ['file', 'debug'] },
      { key: 'logs/again', signal: 'logs', receivers: ['static_file/again', 'static_file'], processors: ['kata_parser/original'], exporters: ['file/rotated'] },
    ]);
    assert.deepEqual(c.serviceExtensions, []);
    assert.deepEqual(c.telemetry, { logs: { level: 'warn' }, metrics: { level: 'normal', address: '[::1]:9100' } });
    assert.equal(c.storageDir, '/var/lib/kata-otel');
    assert.equal(describeConfig(c), '2 pipelines, 2 receivers, 2 processors, 3 exporters, 0 extensions');
  });

  it('fills the service defaults of a minimal config', () => {
    const r = loadFile('minimal.yaml');
    assert.deepEqual(r.issues, []);
    const c = r.config!;
    assert.deepEqual(c.telemetry, { logs: { level: 'info' }, metrics: { level: 'normal', address: '127.0.0.1:8888' } });
    assert.equal(c.storageDir, './kata-otel-data');
    assert.deepEqual(c.exporters.get('debug')!.config, { verbosity: 'basic' });
    assert.deepEqual(c.pipelines.get('logs')!.processors, []);
    assert.equal(describeConfig(c), '1 pipeline, 1 receiver, 0 processors, 1 exporter, 0 extensions');
  });

  it('accepts the bundled default configuration', async () => {
    const r = await loadConfigFile(join(ROOT, 'collector-config', 'kata-otel-default.yaml'), { registry: testRegistry(), env: {} });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.config!.exporters.get('file')!.config, {
      path: './kata-otel-out/logs.jsonl', format: 'otlp_json', append: false, rotation: { max_megabytes: 100, max_backups: 5 },
    });
    assert.equal(r.config!.telemetry.metrics.address, '127.0.0.1:8888');
  });

  it('accepts the example configuration in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Running the sidecar'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(yaml !== undefined, 'the README has a YAML example under "Running the sidecar"');
    const r = load(yaml);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual([...r.config!.pipelines.get('logs')!.exporters], ['file', 'debug']);
  });

  it('names an unreadable file', async () => {
    const r = await loadConfigFile(join(TESTDATA, 'missing.yaml'), { registry: testRegistry() });
    assert.deepEqual(lines(r.issues), [`${join(TESTDATA, 'missing.yaml')}: Cannot read the configuration file: no such file`]);
    assert.equal(r.config, undefined);
  });
});

describe('service config: every issue, with its key and what is expected', () => {
  const cases: Record<string, string[]> = {
    'bad_unknown_keys.yaml': [
      'connectors: Unknown key; expected one of: receivers, processors, exporters, extensions, service',
      'receivers.static_file.follow: Unknown key; expected one of: paths, batch_size',
      'exporters.file.rotation.max_size: Unknown key; expected one of: max_megabytes, max_backups',
      'service.tracing: Unknown key; expected one of: extensions, pipelines, telemetry, storage',
      'service.telemetry.logs.encoding: Unknown key; expected one of: level',
      'service.pipelines.logs.extensions: Unknown key; expected one of: receivers, processors, exporters',
    ],
    'bad_missing.yaml': [
      'receivers.static_file.paths: Required: a list of files to read',
      'receivers.static_file/empty.paths: Expected at least 1 item',
      'exporters.file.path: Required: the file to write, such as ./kata-otel-out/logs.jsonl',
      'service.pipelines.logs.exporters: Required: a list of exporter ids',
      'service.pipelines.logs/2.receivers: Required: a list of receiver ids',
    ],
    'bad_values.yaml': [
      'receivers.static_file.paths: Expected a list of files to read, got "examples/kata-node.log"',
      'receivers.static_file.batch_size: Expected a number, got "many"',
      'processors.kata_parser.original: Expected true or false, got "yes"',
      'processors.kata_parser.max_lines: Expected a number >= 1, got 0',
      'exporters.file.format: Expected one of "otlp_json", "ndjson", got "json"',
      'exporters.debug.verbosity: Expected one of "basic", "normal", "detailed", got "loud"',
      'service.telemetry.logs.level: Expected one of "debug", "info", "warn", "error", got "verbose"',
      'service.telemetry.metrics.address: Expected host:port (such as 127.0.0.1:8888, [::1]:8888 or :8888), got "localhost"',
    ],
    'bad_references.yaml': [
      'service.pipelines.logs.receivers[1]: "journald" is not defined under receivers',
      'service.pipelines.logs.processors[1]: "batch" is not defined under processors',
      'service.pipelines.logs.processors[2]: "kata_parser" is listed twice in this pipeline',
      'service.pipelines.logs.exporters[1]: "otlp/backend" is not defined under exporters',
      'service.extensions[0]: "file_storage" is not defined under extensions',
    ],
    'bad_signals.yaml': [
      'service.pipelines.metrics: Metrics pipelines are not supported; kata-otel carries logs and traces',
      'service.pipelines.traces.receivers[0]: receiver "static_file" does not support traces (it supports: logs)',
      'service.pipelines.traces.processors[0]: processor "kata_parser" does not support traces (it supports: logs)',
      'service.pipelines.traces.exporters[0]: exporter "file" does not support traces (it supports: logs)',
      'service.pipelines.logs.receivers[0]: receiver "test_traces_receiver" does not support logs (it supports: traces)',
    ],
    'bad_ids.yaml': [
      'receivers.kata_file: Unknown receiver type "kata_file"; known types: filelog, journald, otlp, static_file, syslog, test_receiver, test_traces_receiver',
      'receivers.Static File: Invalid id; expected type or type/name (type: lower_snake_case; name: letters, digits, _ . -)',
      'exporters.file/with space: Invalid id; expected type or type/name (type: lower_snake_case; name: letters, digits, _ . -)',
      'service.pipelines.events: Unknown pipeline; expected logs, traces, logs/<name> or traces/<name>',
    ],
    'bad_conflicts.yaml': [
      'receivers.test_receiver/b.endpoint: The address "0.0.0.0:4317" is also used by receivers.test_receiver/a.endpoint',
      'receivers.test_receiver/c.endpoint: The address "localhost:8888" is also used by service.telemetry.metrics.address',
      'exporters.file/again.path: The file "./out/../out/logs.jsonl" is also used by exporters.file.path',
      'exporters.file/loop.path: The file "examples/kata-node.log" is also used by receivers.static_file.paths[0]',
    ],
    'bad_env.yaml': [
      'receivers.static_file.paths[0]: Environment variable KATA_LOG_DIR is not set; set it or give a default: ${env:KATA_LOG_DIR:-value}',
      'receivers.static_file.batch_size: Environment variable BATCH_SIZE is not set; set it or give a default: ${env:BATCH_SIZE:-value}',
      'exporters.file.path: Unsupported reference "${file:/etc/out-path}"; expected ${env:NAME} or ${env:NAME:-default}',
    ],
    'bad_files.yaml': [
      'receivers.static_file.paths[0]: Cannot read "examples/no-such.log": no such file',
      'receivers.static_file.paths[2]: "./examples/kata-node.log" is the same file as paths[1]',
      'receivers.static_file.paths[3]: Expected a file, but "examples" is a directory',
      'exporters.file.path: Expected a file, but "examples" is a directory',
    ],
    'bad_yaml.yaml': [
      'line 4, column 3: Invalid YAML: Map keys must be unique',
      'line 8, column 1: Invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
    'bad_no_service.yaml': [
      'service: Required: a mapping with pipelines, such as pipelines: {logs: {receivers: [...], exporters: [...]}}',
    ],
    'bad_no_pipelines.yaml': [
      'service.pipelines: Expected at least one pipeline: a mapping of pipelines, such as logs: {receivers: [...], processors: [...], exporters: [...]}',
    ],
    'bad_root.yaml': [
      '(root): Expected a mapping with receivers, processors, exporters, extensions, service, got a list',
    ],
  };
  for (const [file, expected] of Object.entries(cases)) {
    it(file, () => {
      const r = loadFile(file);
      assert.deepEqual(lines(r.issues), expected);
      assert.equal(r.config, undefined);
    });
  }

  it('warns about components no pipeline uses, without failing', () => {
    const r = load(`
receivers:
  static_file: { paths: [examples/kata-node.log] }
  static_file/spare: { paths: [examples/README.md] }
processors:
  kata_parser:
exporters:
  debug:
  debug/spare:
service:
  pipelines:
    logs: { receivers: [static_file], exporters: [debug] }
`);
    assert.deepEqual(r.issues, []);
    assert.ok(r.config !== undefined);
    assert.deepEqual(lines(r.warnings), [
      'receivers.static_file/spare: Defined but not used in any pipeline',
      'processors.kata_parser: Defined but not used in any pipeline',
      'exporters.debug/spare: Defined but not used in any pipeline',
    ]);
  });

  it('counts a component listed only by a pipeline with issues as used', () => {
    const r = load(`
receivers:
  static_file: { paths: [examples/kata-node.log] }
exporters:
  debug:
service:
  pipelines:
    logs: { receivers: [static_file], exporters: [debug], processors: [nope] }
`);
    assert.deepEqual(lines(r.issues), ['service.pipelines.logs.processors[0]: "nope" is not defined under processors']);
    assert.deepEqual(r.warnings, []);
  });

  it('does not check the address of a telemetry endpoint that is off', () => {
    const r = load(`
receivers:
  test_receiver: { endpoint: "127.0.0.1:8888" }
exporters:
  debug:
service:
  pipelines:
    logs: { receivers: [test_receiver], exporters: [debug] }
  telemetry: { metrics: { level: none } }
`);
    assert.deepEqual(r.issues, []);
  });

  it('ignores claims of unused components', () => {
    const r = load(`
receivers:
  test_receiver/a: { endpoint: "127.0.0.1:4317" }
  test_receiver/b: { endpoint: "127.0.0.1:4317" }
exporters:
  debug:
service:
  pipelines:
    logs: { receivers: [test_receiver/a], exporters: [debug] }
`);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(lines(r.warnings), ['receivers.test_receiver/b: Defined but not used in any pipeline']);
  });
});
