import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliResult } from './run-cli';
import { BIN, collect, EXAMPLE, fixtureFiles, jsonLines, ROOT, runCli, startCli } from './run-cli';

const NDJSON_KEYS = [
  'timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'body', 'eventName',
  'traceId', 'spanId', 'attributes', 'resource',
];

interface NdRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: string;
  eventName: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

function isFlatValue(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return Array.isArray(v) && v.every((e) => typeof e === 'string');
}

/** Checks the exact ndjson record shape; returns the records. */
function checkNdjson(stdout: string): NdRecord[] {
  const records = jsonLines(stdout) as NdRecord[];
  for (const r of records) {
    assert.deepEqual(Object.keys(r), NDJSON_KEYS);
    assert.match(r.timeUnixNano, /^(0|[1-9]\d*)$/);
    assert.match(r.observedTimeUnixNano, /^[1-9]\d{18}$/);
    assert.ok(Number.isInteger(r.severityNumber) && r.severityNumber >= 0 && r.severityNumber <= 24);
    for (const k of ['severityText', 'body', 'eventName', 'traceId', 'spanId'] as const) assert.equal(typeof r[k], 'string');
    for (const bag of [r.attributes, r.resource]) {
      assert.equal(typeof bag, 'object');
      for (const [k, v] of Object.entries(bag)) assert.ok(isFlatValue(v), `${k} is not a flat value: ${JSON.stringify(v)}`);
    }
    assert.equal(typeof r.attributes['kata.component'], 'string');
    assert.equal(typeof r.resource['service.name'], 'string');
  }
  return records;
}

/** The stderr summary as numbers: totals and the three "by" tables. */
function parseSummary(stderr: string): { totals: Map<string, number>; tables: Map<string, Map<string, number>> } {
  const totals = new Map<string, number>();
  const tables = new Map<string, Map<string, number>>();
  let current: Map<string, number> | undefined;
  const lines = stderr.split('\n');
  const start = lines.indexOf('kata-otel parse summary');
  assert.ok(start >= 0, `no summary in stderr: ${stderr}`);
  for (const line of lines.slice(start + 1)) {
    let m = /^ {2}by (\S+)$/.exec(line);
    if (m !== null) {
      current = new Map();
      tables.set(m[1]!, current);
      continue;
    }
    m = /^ {4}(\S+)\s+(\d+)$/.exec(line);
    if (m !== null && current !== undefined) {
      current.set(m[1]!, Number(m[2]));
      continue;
    }
    m = /^ {2}(\S.*?)\s+(\d+)$/.exec(line);
    if (m !== null) totals.set(m[1]!, Number(m[2]));
  }
  return { totals, tables };
}

function sum(m: Map<string, number> | undefined): number {
  assert.ok(m !== undefined);
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function fileLines(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const INPUTS = [...fixtureFiles(), EXAMPLE];

/** Children of the live-input tests; killed after each test so a failure cannot hang mocha. */
const live: ChildProcess[] = [];

function startLive(args: string[]): ChildProcess {
  const child = startCli(args);
  live.push(child);
  return child;
}

describe('kata-otel parse (built CLI)', function () {
  this.timeout(60_000);
  afterEach(() => {
    for (const c of live.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('writes ndjson with exactly the record keys, one object per record, for every fixture and the example', async () => {
    for (const file of INPUTS) {
      const res = await runCli(['parse', file]);
      assert.equal(res.code, 0, `${file}: ${res.stderr}`);
      assert.equal(res.stderr, '');
      const records = checkNdjson(res.stdout);
      assert.ok(records.length > 0, file);
      for (const r of records) assert.equal(r.attributes['log.file.path'], file);
    }
  });

  it('parses the bundled example: every component family, a Go panic, damaged lines marked', async () => {
    const res = await runCli(['parse', '--summary', EXAMPLE]);
    assert.equal(res.code, 0, res.stderr);
    const records = checkNdjson(res.stdout);
    const { totals } = parseSummary(res.stderr);
    assert.equal(totals.get('lines read'), fileLines(EXAMPLE).length);
    assert.equal(totals.get('records'), records.length);
    // Multi-line records (panic, client errors, Events tables) take several lines each.
    assert.ok(records.length > 150 && records.length < fileLines(EXAMPLE).length, `${records.length} records`);
    // Every component family the example is meant to show is there.
    const components = new Set(records.map((r) => r.attributes['kata.component']));
    for (const c of ['runtime', 'runtime-rs', 'agent', 'guest-kernel', 'guest', 'hypervisor', 'container-manager']) {
      assert.ok(components.has(c), `no ${c} record in the example`);
    }
    assert.ok(records.some((r) => r.attributes['kata.log.format'] === 'go-panic'), 'no Go panic');
    assert.ok(records.some((r) => r.attributes['kata.parse.status'] !== undefined), 'no damaged line');
    assert.ok(!readFileSync(EXAMPLE, 'utf8').includes('# source:'));
  });

  it('--original adds log.record.original equal to the input lines, covering every non-blank line once', async () => {
    for (const file of INPUTS) {
      const res = await runCli(['parse', '--original', file]);
      assert.equal(res.code, 0, res.stderr);
      const lines = fileLines(file);
      const covered = new Set<number>();
      for (const r of checkNdjson(res.stdout)) {
        const first = r.attributes['kata.log.line_number'] as number;
        const count = (r.attributes['kata.parse.line_count'] as number | undefined) ?? 1;
        assert.equal(r.attributes['log.record.original'], lines.slice(first - 1, first - 1 + count).join('\n'), `${file}:${first}`);
        for (let i = first; i < first + count; i++) {
          assert.ok(!covered.has(i), `${file}:${i} in two records`);
          covered.add(i);
        }
      }
      lines.forEach((l, i) => {
        if (l.trim() !== '') assert.ok(covered.has(i + 1), `${file}:${i + 1} in no record`);
      });
    }
  });

  it('leaves log.record.original out without --original', async () => {
    const res = await runCli(['parse', EXAMPLE]);
    for (const r of checkNdjson(res.stdout)) assert.equal(r.attributes['log.record.original'], undefined);
  });

  it("reads stdin for '-' and for no FILE, with the same records as the file and no log.file.path", async () => {
    const input = readFileSync(EXAMPLE);
    const fromFile = checkNdjson((await runCli(['parse', EXAMPLE])).stdout);
    for (const args of [['parse', '-'], ['parse']]) {
      const res = await runCli(args, input);
      assert.equal(res.code, 0, res.stderr);
      const fromStdin = checkNdjson(res.stdout);
      assert.equal(fromStdin.length, fromFile.length);
      fromStdin.forEach((r, i) => {
        const f = fromFile[i]!;
        assert.equal(r.attributes['log.file.path'], undefined);
        assert.equal(r.body, f.body);
        assert.equal(r.severityNumber, f.severityNumber);
        assert.equal(r.attributes['kata.component'], f.attributes['kata.component']);
        // Year-less dates are resolved against the file's mtime or, for stdin, now: only
        // records with a full timestamp must agree.
        if (f.attributes['kata.log.envelope'] === undefined) assert.equal(r.timeUnixNano, f.timeUnixNano);
      });
    }
  });

  it('reports a missing file by name, processes the other files, and exits 1', async () => {
    const missing = join(ROOT, 'no-such-dir', 'missing-kata.log');
    const alone = checkNdjson((await runCli(['parse', EXAMPLE])).stdout);
    const res = await runCli(['parse', '--summary', missing, EXAMPLE, join(ROOT, 'examples')]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /missing-kata\.log.*no such file or directory/);
    assert.match(res.stderr, /'[^']*examples'.*is a directory/);
    const records = checkNdjson(res.stdout);
    assert.equal(records.length, alone.length);
    assert.ok(records.every((r) => r.attributes['log.file.path'] === EXAMPLE));
    const { totals } = parseSummary(res.stderr);
    assert.equal(totals.get('input errors'), 2);
    assert.equal(totals.get('records'), alone.length);
  });

  for (const [what, args] of [
    ['an unknown option', ['parse', '--frobnicate', EXAMPLE]],
    ['an unknown short option', ['parse', '-x', EXAMPLE]],
    ['a bad --output value', ['parse', '--output', 'yaml', EXAMPLE]],
    ['a missing --output value', ['parse', EXAMPLE, '--output']],
    ['a bad --batch-size', ['parse', '--output', 'otlp-json', '--batch-size', '0', EXAMPLE]],
    ['an unknown command', ['convert', EXAMPLE]],
    ['no command', []],
    ['an unknown global option', ['--verbose', 'parse']],
  ] as const) {
    it(`exits 2 with the usage line on ${what}`, async () => {
      const res = await runCli([...args]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, /^usage: kata-otel parse /m);
      assert.match(res.stderr, /^kata-otel: \S/);
      assert.equal(res.stdout, '');
    });
  }

  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--output/);
    const parseHelp = await runCli(['parse', '--help']);
    assert.equal(parseHelp.code, 0);
    assert.equal(parseHelp.stdout, help.stdout);
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout, `kata-otel ${pkg.version}\n`);
  });

  it('--summary counts on stderr add up to the record count, for every input', async () => {
    for (const file of INPUTS) {
      const res = await runCli(['parse', '--summary', file]);
      assert.equal(res.code, 0, res.stderr);
      const records = checkNdjson(res.stdout);
      const { totals, tables } = parseSummary(res.stderr);
      const n = records.length;
      assert.equal(totals.get('records'), n, file);
      assert.equal(sum(tables.get('kata.component')), n);
      assert.equal(sum(tables.get('severity')), n);
      assert.equal(sum(tables.get('kata.log.format')), n);
      assert.equal(totals.get('parse failures'), records.filter((r) => r.attributes['kata.parse.status'] === 'failed').length);
      assert.equal(totals.get('partial parses'), records.filter((r) => r.attributes['kata.parse.status'] === 'partial').length);
      const lines = fileLines(file);
      assert.equal(totals.get('lines read'), lines.length);
      assert.equal(totals.get('lines cut'), 0);
      assert.equal(totals.get('blank lines skipped'), lines.filter((l) => l.trim() === '').length);
      for (const [level, count] of tables.get('severity')!) {
        assert.ok(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'UNSPECIFIED'].includes(level), level);
        assert.ok(count > 0);
      }
      const byComponent = new Map<string, number>();
      for (const r of records) {
        const c = r.attributes['kata.component'] as string;
        byComponent.set(c, (byComponent.get(c) ?? 0) + 1);
      }
      assert.deepEqual(new Map([...tables.get('kata.component')!].sort()), new Map([...byComponent].sort()));
    }
  });

  it('writes a table: a header and one line per record, without progress output off a TTY', async () => {
    const nd = checkNdjson((await runCli(['parse', EXAMPLE])).stdout);
    const res = await runCli(['parse', '--output', 'table', '--summary', EXAMPLE]);
    assert.equal(res.code, 0, res.stderr);
    const rows = res.stdout.split('\n').filter((l) => l !== '');
    assert.match(rows[0]!, /^TIME\s+LEVEL\s+COMPONENT\s+SANDBOX\s+BODY$/);
    assert.equal(rows.length, nd.length + 1);
    rows.slice(1).forEach((row, i) => {
      const r = nd[i]!;
      assert.ok(row.length <= 68 + 161, `row too long: ${row.length}`);
      const [time, level, component, sandbox] = row.split(/\s+/);
      assert.match(time!, r.timeUnixNano === '0' ? /^-$/ : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      assert.equal(component, r.attributes['kata.component']);
      const sb = r.attributes['kata.sandbox.id'] as string | undefined;
      assert.equal(sandbox, sb === undefined ? '-' : sb.slice(0, 12));
      assert.ok(level === '-' || /^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)$/.test(level!), level);
      assert.doesNotMatch(row, /[\x00-\x08\x0b-\x1f\x1b]/);
    });
    assert.doesNotMatch(res.stderr, /\r/);
  });

  it('ends quietly with exit 0 when the reader closes early (| head -1)', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'kata-otel-cli-'));
    try {
      const big = join(dir, 'big.log');
      writeFileSync(big, readFileSync(EXAMPLE, 'utf8').repeat(300));
      // A real pipeline: head exits after one line; kata-otel must not crash (status of
      // the first pipeline member via PIPESTATUS).
      const sh = spawnSync('bash', ['-c', `node "${BIN}" parse "${big}" | head -1 >/dev/null; echo "status=\${PIPESTATUS[0]}"`], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.match(sh.stdout, /status=0/, sh.stderr);
      assert.equal(sh.stderr, '');
      // And from node: read a little, then close our end.
      for (const format of ['ndjson', 'otlp-json', 'table']) {
        const child = startLive(['parse', '--output', format, '--summary', big]);
        const done = collect(child);
        child.stdout!.once('data', () => child.stdout!.destroy());
        const res: CliResult = await done;
        assert.equal(res.code, 0, `${format}: ${res.stderr}`);
        assert.equal(res.stderr, '');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows live stdin: a held record is written after 500 ms of silence, before stdin ends', async () => {
    const child = startLive(['parse']);
    const done = collect(child);
    let seen = '';
    const got = new Promise<number>((resolve) => {
      const t0 = Date.now();
      child.stdout!.on('data', (b: Buffer) => {
        seen += b.toString('utf8');
        if (seen.includes('\n')) resolve(Date.now() - t0);
      });
    });
    // One complete line: the recombiner holds it until it knows no continuation follows.
    child.stdin!.write('time="2021-10-07T22:40:25.811448524Z" level=info msg="live line" name=containerd-shim-v2 pid=28732 sandbox=foo source=virtcontainers subsystem=qmp\n');
    const elapsed = await got;
    assert.ok(elapsed >= 400 && elapsed < 5000, `record after ${elapsed} ms`);
    const [r] = checkNdjson(seen);
    assert.equal(r!.body, 'live line');
    child.stdin!.end();
    const res = await done;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(checkNdjson(res.stdout).length, 1);
  });

  it('on SIGINT writes what it has read and exits 130', async () => {
    const child = startLive(['parse', '--summary']);
    const done = collect(child);
    let seen = '';
    const first = new Promise<void>((resolve) => {
      child.stdout!.on('data', (b: Buffer) => {
        seen += b.toString('utf8');
        if (seen.includes('\n')) resolve();
      });
    });
    // The first record comes out by the idle flush, which also shows the handlers are set.
    child.stdin!.write('time="2021-10-07T22:40:25.811448524Z" level=info msg="first" sandbox=foo\n');
    await first;
    // The second is still held (no idle flush yet) when the signal comes.
    child.stdin!.write('time="2021-10-07T22:40:26.811448524Z" level=info msg="before the signal" sandbox=foo\n');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGINT');
    const res = await done;
    assert.equal(res.code, 130, res.stderr);
    const records = checkNdjson(res.stdout);
    assert.deepEqual(records.map((r) => r.body), ['first', 'before the signal']);
    assert.equal(parseSummary(res.stderr).totals.get('records'), 2);
  });
});
