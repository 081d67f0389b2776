/**
 * The example configurations in collector-config/examples/: every one passes
 * `kata-otel validate`, and the file and syslog ones run as shipped (addresses, paths and
 * storage from the environment) and carry Kata lines to their destination.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as net from 'node:net';
import { freePort } from './ports';
import { Backend } from './backend';
import { BIN, ROOT, Sidecar, tempDir, waitFor } from './sidecar';
import { kataLine, StreamWriter, tally } from './stream';

const EXAMPLES = join(ROOT, 'collector-config', 'examples');
const run = promisify(execFile);

describe('e2e: example configurations (collector-config/examples/)', function () {
  this.timeout(30_000);

  it('holds the four documented examples', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
    for (const f of ['filelog-to-otlp.yaml', 'journald-to-otlphttp.yaml', 'otlp-gateway.yaml', 'syslog-to-file.yaml']) assert.ok(files.includes(f), `${f} exists`);
  });

  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort()) {
    it(`${file} passes kata-otel validate`, async () => {
      const r = await run(process.execPath, [BIN, 'validate', '--config', join(EXAMPLES, file)], { cwd: ROOT }).catch((err: { code?: number; stdout?: string; stderr?: string }) => err);
      assert.equal((r as { code?: number }).code ?? 0, 0, `${file}: ${String(r.stderr)}`);
      assert.match(String(r.stdout), /^config OK: /);
      assert.equal(String(r.stderr), '', 'no warnings');
    });
  }

  it('filelog-to-otlp.yaml runs as shipped: Kata lines in a file reach an OTLP/gRPC backend, parsed', async () => {
    const backend = new Backend();
    await backend.start();
    const dir = tempDir('example-filelog');
    mkdirSync(join(dir, 'logs'));
    const path = join(dir, 'logs', 'kata.log');
    const writer = new StreamWriter({ path, file: 1, lines: 300, chunk: 100, everyMs: 1 });
    await writer.done;
    const s = await Sidecar.start(join(EXAMPLES, 'filelog-to-otlp.yaml'), dir, {
      env: {
        KATA_LOG_GLOB: join(dir, 'logs', '*.log'),
        OTLP_ENDPOINT: backend.endpoint,
        KATA_OTEL_STORAGE: join(dir, 'data'),
        KATA_OTEL_TELEMETRY_ADDRESS: '127.0.0.1:0',
        HOSTNAME: 'node-e2e',
      },
    });
    try {
      const expected = new Map([[1, { path, lines: 300 }]]);
      await waitFor(() => tally(backend.records, expected).missingCount === 0, 15_000, 'the lines at the backend', s.output.bind(s));
      const t = tally(backend.records, expected);
      assert.equal(t.duplicates, 0);
      assert.ok(t.inOrder);
      assert.deepEqual(t.misattributed, []);
      const r = backend.records[0]!;
      assert.equal(r.attributes['kata.log.format'], 'logfmt');
      assert.equal(r.resource['host.name'], 'node-e2e');
      assert.ok(existsSync(join(dir, 'data')), 'state kept under KATA_OTEL_STORAGE');
    } finally {
      assert.deepEqual(await s.terminate(), { code: 0, signal: null }, s.output());
      backend.stop();
    }
  });

  it('syslog-to-file.yaml runs as shipped: RFC 5424 over TCP becomes OTLP/JSON lines', async () => {
    const dir = tempDir('example-syslog');
    const port = await freePort();
    const out = join(dir, 'out', 'syslog.jsonl');
    const s = await Sidecar.start(join(EXAMPLES, 'syslog-to-file.yaml'), dir, {
      env: { SYSLOG_LISTEN: `127.0.0.1:${port}`, KATA_OTEL_OUTPUT: out, KATA_OTEL_STORAGE: join(dir, 'data'), KATA_OTEL_TELEMETRY_ADDRESS: '127.0.0.1:0' },
    });
    try {
      const N = 50;
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      for (let i = 1; i <= N; i++) socket.write(`<14>1 2025-11-20T06:00:00.000Z node-e2e kata 4201 - - ${kataLine(1, i)}\n`);
      await new Promise<void>((resolve) => socket.end(resolve));
      const bodies = (): string[] => {
        if (!existsSync(out)) return [];
        const found: string[] = [];
        for (const line of readFileSync(out, 'utf8').split('\n')) {
          if (line === '') continue;
          const req = JSON.parse(line) as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string } }> }> }> };
          for (const rl of req.resourceLogs) for (const sl of rl.scopeLogs) for (const r of sl.logRecords) found.push(r.body.stringValue);
        }
        return found;
      };
      await waitFor(() => bodies().length >= N, 15_000, 'the records in the output file', s.output.bind(s));
      assert.deepEqual(bodies(), Array.from({ length: N }, (_, i) => `e2e f1 seq ${i + 1}`));
    } finally {
      assert.deepEqual(await s.terminate(), { code: 0, signal: null }, s.output());
    }
  });
});
