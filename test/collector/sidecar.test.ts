/**
 * kata-otel beside the real OpenTelemetry Collector, in the shipped sidecar topology
 * (collector-config/otelcol/sidecar.yaml + collector-config/examples/beside-collector.yaml):
 * the Collector reads Kata log files (file_log) and the journal (journald), forwards the raw
 * text to kata-otel over OTLP/gRPC, gets the parsed records back on its second OTLP
 * receiver and exports them to an OTLP backend (a gRPC server in the test that decodes with
 * the spec's schema). Both configs run as shipped; only addresses and folders come from
 * the environment.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../e2e/ports';
import { Backend, type ArrivedRecord } from '../e2e/backend';
import { ROOT, Sidecar, sleep, tempDir, waitFor } from '../e2e/sidecar';
import { StreamWriter, tally } from '../e2e/stream';
import { appendToJournal, entry, journalctlPath, journalRemotePath, shimMessage } from '../receiver/journald/journal-fixture';
import { parseText } from '../../receiver/kata/parse-text';
import { Collector } from './otelcol';

const SIDECAR_COLLECTOR = join(ROOT, 'collector-config', 'otelcol', 'sidecar.yaml');
const SIDECAR_KATA_OTEL = join(ROOT, 'collector-config', 'examples', 'beside-collector.yaml');

/** journalctl --follow reads the current boot only, so test entries carry this machine's. */
const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');

/** One node: a backend, the Collector and kata-otel wired as the shipped configs say. */
class Node {
  readonly dir: string;
  readonly logs: string;
  readonly journal: string;
  readonly backend = new Backend();
  collector: Collector | undefined;
  kataOtel: Sidecar | undefined;
  private collectorEnv: Record<string, string> = {};
  private kataOtelEnv: Record<string, string> = {};
  private health = '';

  constructor(name: string) {
    this.dir = tempDir(name);
    this.logs = join(this.dir, 'logs');
    this.journal = join(this.dir, 'journal');
    mkdirSync(this.logs);
    mkdirSync(this.journal);
  }

  async start(): Promise<void> {
    // journalctl fails on an empty journal (and the receiver restarts it at the end, past what
    // came in between), and journalctl 252 `--follow --lines=0` with no matching entry yet
    // skips all but the last of the first entries appended at once. A matching entry first
    // avoids both; it arrives at the backend like any other.
    appendToJournal(this.journal, [entry('kata', 4242, shimMessage(0, 'journal seed'), 0, { _BOOT_ID: BOOT_ID })]);
    await this.backend.start();
    const [kataOtelPort, returnPort, healthPort, jaegerPort, otlpGrpc, otlpHttp, metricsPort] = await Promise.all(
      Array.from({ length: 7 }, () => freePort()),
    );
    this.health = `127.0.0.1:${healthPort}`;
    this.collectorEnv = {
      KATA_LOG_GLOB: join(this.logs, '*.log'),
      JOURNALD_DIRECTORY: this.journal,
      OTELCOL_STORAGE_DIR: join(this.dir, 'otelcol-storage'),
      OTELCOL_HEALTH_ENDPOINT: this.health,
      OTELCOL_METRICS_PORT: String(metricsPort),
      JAEGER_LISTEN: `127.0.0.1:${jaegerPort}`,
      OTLP_GRPC_LISTEN: `127.0.0.1:${otlpGrpc}`,
      OTLP_HTTP_LISTEN: `127.0.0.1:${otlpHttp}`,
      KATA_OTEL_ENDPOINT: `127.0.0.1:${kataOtelPort}`,
      KATA_OTEL_RETURN_LISTEN: `127.0.0.1:${returnPort}`,
      OTLP_BACKEND_ENDPOINT: `127.0.0.1:${this.backend.port}`,
    };
    this.kataOtelEnv = {
      KATA_OTEL_LISTEN: `127.0.0.1:${kataOtelPort}`,
      KATA_OTEL_RETURN_ENDPOINT: `http://127.0.0.1:${returnPort}`,
      KATA_OTEL_STORAGE: join(this.dir, 'kata-otel-storage'),
      KATA_OTEL_TELEMETRY_ADDRESS: '127.0.0.1:0',
    };
    await this.startKataOtel();
    await this.startCollector();
  }

  async startKataOtel(): Promise<void> {
    this.kataOtel = await Sidecar.start(SIDECAR_KATA_OTEL, this.dir, { env: this.kataOtelEnv });
  }

  async startCollector(): Promise<void> {
    mkdirSync(join(this.dir, 'otelcol-storage'), { recursive: true });
    this.collector = await Collector.start(SIDECAR_COLLECTOR, this.dir, this.health, this.collectorEnv);
  }

  detail(): string {
    return `--- kata-otel:\n${this.kataOtel?.output() ?? ''}\n--- kata-otelcol:\n${this.collector?.tail() ?? ''}`;
  }

  async stop(): Promise<void> {
    await this.collector?.terminate();
    await this.kataOtel?.terminate();
    this.backend.stop();
  }
}

function byBody(records: readonly ArrivedRecord[], pattern: RegExp): ArrivedRecord[] {
  return records.filter((r) => pattern.test(r.body));
}

describe('collector: kata-otel beside the real Collector (sidecar topology)', function () {
  this.timeout(180_000);

  it('carries Kata log files and journal entries through the Collector and kata-otel, parsed into the Kata semantic conventions and tagged by the rule pack', async function () {
    if (journalRemotePath() === undefined || journalctlPath() === undefined) {
      throw new Error('systemd-journal-remote and journalctl are needed (Debian: systemd-journal-remote); .ci/run installs them');
    }
    const node = new Node('collector-sidecar');
    try {
      await node.start();
      copyFileSync(join(ROOT, 'examples', 'kata-node.log'), join(node.logs, 'kata-node.log'));
      // The journald receiver starts at the end of the journal, so the entries come after it.
      await sleep(1000);
      appendToJournal(node.journal, [1, 2, 3].map((seq) => entry('kata', 4242, shimMessage(seq, `journal entry ${seq}`), seq, { _BOOT_ID: BOOT_ID })));

      await waitFor(() => byBody(node.backend.records, /^journal entry \d$/).length >= 3
        && node.backend.records.filter((r) => r.attributes['log.file.name'] === 'kata-node.log').length >= 100, 60_000, 'records at the backend', () => {
        const rs = node.backend.records;
        return `${rs.length} records, ${byBody(rs, /^journal entry/).length} from the journal\n${node.detail()}`;
      });
      await sleep(1000);
      const records = node.backend.records;

      // From the file: every line became a record parsed by kata-otel.
      const fromFile = records.filter((r) => r.attributes['log.file.name'] === 'kata-node.log');
      for (const r of fromFile) {
        assert.equal(typeof r.attributes['kata.log.format'], 'string', `parsed: ${r.body.slice(0, 120)}`);
        assert.equal(typeof r.attributes['kata.component'], 'string');
      }
      const loaded = fromFile.find((r) => r.body === 'loaded configuration' && r.attributes['kata.sandbox.id'] === 'd45d854cea9208c2c9b618d73568953a00d3a42d0f61bfc24310e563badd4360');
      assert.ok(loaded, 'the first shim record of the example, with its sandbox id');
      assert.equal(loaded.attributes['kata.component'], 'runtime');
      assert.equal(loaded.attributes['kata.log.format'], 'logfmt');
      assert.equal(loaded.attributes['process.pid'], 27857);
      assert.equal(loaded.severityText, 'info');
      assert.equal(loaded.timeUnixNano, String(BigInt(Date.UTC(2021, 7, 31, 13, 24, 2)) * 1_000_000n + 858_452_657n));
      assert.equal(loaded.attributes['kata.log.line_number'], 2, 'numbered from file_log record numbers');
      const components = new Set(fromFile.map((r) => r.attributes['kata.component']));
      for (const c of ['runtime', 'agent', 'guest-kernel', 'hypervisor']) assert.ok(components.has(c), `a ${c} record (got ${[...components].join(', ')})`);
      // The same records `kata-otel parse` makes of the file: the Collector hop changes
      // nothing (multi-line records are joined within a batch, whitespace is kept). The
      // backend exporter sends concurrently, so compare in line order.
      const direct = parseText(readFileSync(join(ROOT, 'examples', 'kata-node.log'), 'utf8'), { observedTimeUnixNano: '0' });
      const shape = (r: { body: string; attributes: Record<string, unknown> }): string =>
        `${String(r.attributes['kata.log.line_number']).padStart(4)} ${String(r.attributes['kata.component'])} ${String(r.attributes['kata.log.format'])} ${String(r.attributes['kata.parse.status'] ?? 'ok')} ${r.body}`;
      assert.deepEqual(fromFile.map(shape).sort(), direct.map(shape).sort());
      assert.ok(direct.some((r) => r.attributes['kata.component'] === 'unknown'), 'lines no parser knows are kept too');

      // Tagged by the Kata Sigma rule pack on the way (the example's QEMU launch failure and
      // the shim's panic), and benign records are not tagged above informational.
      const panic = fromFile.find((r) => r.body.startsWith('panic: runtime error'));
      assert.ok(panic, 'the Go panic, joined into one record');
      assert.equal(panic.attributes['security_rule.category'], 'availability');
      assert.equal(panic.attributes['security_rule.ruleset.name'], 'kata');
      assert.equal(panic.attributes['kata.security.level'], 'medium');
      assert.match(String(panic.attributes['security_rule.uuid']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const qemu = fromFile.find((r) => r.body === 'Failed to connect to QEMU instance');
      assert.equal(qemu?.attributes['security_rule.category'], 'availability');
      assert.equal(loaded.attributes['kata.security.level'] ?? 'informational', 'informational');
      assert.ok(fromFile.filter((r) => r.attributes['kata.security.level'] !== undefined).length < fromFile.length / 4, 'most records are not security events');

      // From the journal: the Collector's map body is read as a journalctl JSON entry.
      const fromJournal = byBody(records, /^journal entry \d$/);
      assert.equal(fromJournal.length, 3, 'each journal entry once');
      for (const r of fromJournal) {
        assert.equal(r.attributes['kata.component'], 'runtime');
        assert.equal(r.attributes['kata.sandbox.id'], '0f4c');
        assert.equal(r.resource['host.name'], 'kata-node-1');
      }
      assert.deepEqual(node.collector!.errors([/journalctl/i]), [], 'no errors in the Collector log');
    } finally {
      await node.stop();
    }
  });

  it('loses nothing when kata-otel is killed and the Collector is stopped and restarted while lines flow', async () => {
    const node = new Node('collector-restart');
    const path = join(node.logs, 'stream.log');
    const lines = 6000;
    let writer: StreamWriter | undefined;
    const expected = new Map([[1, { path, lines }]]);
    try {
      await node.start();
      writer = new StreamWriter({ path, file: 1, lines, chunk: 50, everyMs: 10 });
      await waitFor(() => node.backend.records.length > 500, 60_000, 'the first records', () => node.detail());
      await node.kataOtel!.kill9();
      await sleep(1500);
      await node.startKataOtel();
      await waitFor(() => node.backend.records.length > 2500, 60_000, 'records after the kata-otel restart', () => node.detail());
      await node.collector!.terminate();
      await sleep(1500);
      await node.startCollector();
      await writer.done;
      await waitFor(() => tally(node.backend.records, expected).missingCount === 0, 90_000, 'every line at the backend', () => {
        const t = tally(node.backend.records, expected);
        return `missing ${t.missingCount}: ${t.missing.join(' ')}\n${node.detail()}`;
      });
      const t = tally(node.backend.records, expected);
      assert.equal(t.missingCount, 0);
      assert.deepEqual(t.foreign, []);
      assert.deepEqual(t.misattributed, [], 'log.file.path and the line number survive both hops');
      // At-least-once: a restart may repeat what was in flight; say how much.
      console.log(`      ${t.distinct} lines arrived, ${t.duplicates} duplicates after the restarts`);
    } finally {
      writer?.stop();
      await node.stop();
    }
  });
});
