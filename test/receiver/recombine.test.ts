/**
 * Multi-line records (guide section 11, item 7): what joins, what must not, and the size
 * bound. Lines come from the fixtures where a comment names one; the others are built from
 * the layouts in the guide (Go panic output, anyhow's report, journalctl -o export).
 */
import assert from 'node:assert/strict';
import type { LogRecord } from '../../pdata/log-record';
import type { Entry } from '../../receiver/kata/recombine';
import { Recombiner } from '../../receiver/kata/recombine';
import { parseText } from '../../receiver/kata/parse-text';

const REF = Date.UTC(2026, 0, 15, 12, 0, 0);

/** All entries of a text, as the recombiner cuts it. */
function entries(lines: string[], opts: { maxLines?: number; maxBytes?: number } = {}): Entry[] {
  const r = new Recombiner(opts);
  const out: Entry[] = [];
  lines.forEach((l, i) => {
    const e = r.push(l, i + 1);
    if (e !== undefined) out.push(e);
  });
  const last = r.flush();
  if (last !== undefined) out.push(last);
  return out;
}

function parse(lines: string[], opts: { maxLines?: number; maxBytes?: number } = {}): LogRecord[] {
  return parseText(lines.join('\n') + '\n', { refMillis: REF, ...opts });
}

/** [first line, line count] of each record. */
function spans(records: LogRecord[]): Array<[number, number]> {
  return records.map((r) => [r.attributes['kata.log.line_number'] as number, (r.attributes['kata.parse.line_count'] as number | undefined) ?? 1]);
}

const J = 'Aug 16 00:44:14 testhost containerd[59801]: ';
const SHIM = 'Aug 16 00:44:14 testhost kata[288514]: time="2022-08-16T00:44:14.299955374+08:00" level=debug msg="Stats() end" name=containerd-shim-v2 pid=288514 sandbox=924f source=containerd-kata-shim-v2';

describe('recombine: Go panics', () => {
  // stacktrace.log lines 6-9, continued with frames built like Go's traceback.
  const panic = [
    `${J}panic: runtime error: invalid memory address or nil pointer dereference`,
    `${J}[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x55e8475a5a42]`,
    `${J}`,
    `${J}goroutine 331421 [running]:`,
    `${J}github.com/kata-containers/kata-containers/src/runtime/pkg/katautils.(*X).Y(0xc0000f3200)`,
    `${J}\t/go/src/github.com/kata-containers/kata-containers/src/runtime/pkg/katautils/x.go:42 +0x1c2`,
    `${J}created by main.main`,
    `${J}\t/go/src/x/main.go:10 +0x55`,
  ];

  it('joins the panic and its goroutine dump under a journal prefix into one record', () => {
    const rs = parse([...panic, `${J}time="2022-08-16T00:44:15Z" level=info msg="shim disconnected" id=924f`]);
    assert.deepEqual(spans(rs), [[1, 8], [9, 1]]);
    const p = rs[0]!;
    assert.equal(p.attributes['kata.log.format'], 'go-panic');
    assert.equal(p.eventName, 'kata.runtime.panic');
    assert.equal(p.attributes['kata.component'], 'runtime');
    assert.equal(p.attributes['exception.message'], 'runtime error: invalid memory address or nil pointer dereference');
    assert.equal(p.body.split('\n').length, 8);
    assert.ok((p.attributes['exception.stacktrace'] as string).startsWith('[signal SIGSEGV'));
  });

  it('does not join another writer\'s line into the panic, and keeps the dump after it together', () => {
    const lines = [panic[0]!, panic[1]!, SHIM, ...panic.slice(3)];
    const rs = parse(lines);
    assert.deepEqual(spans(rs), [[1, 2], [3, 1], [4, 5]]);
    assert.equal(rs[1]!.attributes['kata.log.identifier'], 'kata');
    assert.equal(rs[1]!.body, 'Stats() end');
    // The rest of the dump is still a Go crash of the Kata shim, flagged as cut from its panic line.
    assert.equal(rs[2]!.attributes['kata.log.format'], 'go-panic');
    assert.equal(rs[2]!.attributes['kata.component'], 'runtime');
    assert.equal(rs[2]!.attributes['kata.parse.status'], 'partial');
    assert.equal(rs[2]!.eventName, '');
  });

  it('does not join a panic of one containerd pid with lines of another', () => {
    const other = 'Aug 16 00:44:14 testhost containerd[1]: goroutine 1 [running]:';
    assert.deepEqual(spans(parse([panic[0]!, other])), [[1, 1], [2, 1]]);
  });

  it('reads fatal error: as a fatal Go error', () => {
    const [r] = parse(['fatal error: concurrent map writes', '', 'goroutine 7 [running]:', 'runtime.throw()']);
    assert.equal(r!.attributes['exception.type'], 'go.fatal_error');
    assert.equal(r!.severityNumber, 21);
  });
});

describe('recombine: Rust errors', () => {
  it('joins anyhow\'s report: Error:, a blank line, Caused by: and the numbered causes', () => {
    // Built from anyhow's Debug output as runtime-rs errors show it (guide section 6).
    const lines = [
      'Error: failed to handle message create container',
      '',
      'Caused by:',
      '    0: agent create container',
      '    1: rpc status: Status { code: PERMISSION_DENIED, message: "CreateContainerRequest is blocked by policy: agent_policy:114" }',
      'time="2024-01-01T00:00:00Z" level=info msg=next',
    ];
    const rs = parse(lines);
    assert.deepEqual(spans(rs), [[1, 5], [6, 1]]);
    const r = rs[0]!;
    assert.equal(r.attributes['kata.log.format'], 'rust-error');
    assert.equal(r.body, lines.slice(0, 5).join('\n'));
    assert.equal(r.attributes['exception.message'], 'failed to handle message create container');
    assert.equal(r.attributes['kata.agent.rpc'], 'CreateContainerRequest');
    assert.equal(r.severityNumber, 17);
  });

  it('joins Caused by: straight after the message', () => {
    const rs = parse(['failed to start sandbox', 'Caused by:', '    0: timeout']);
    assert.deepEqual(spans(rs), [[1, 3]]);
    assert.equal(rs[0]!.attributes['kata.log.format'], 'rust-error');
  });

  it('joins a journald multi-line MESSAGE that journalctl printed indented under the prefix', () => {
    const prefix = 'Jul 29 13:29:17 server.local kata[2293724]: ';
    const pad = ' '.repeat(prefix.length);
    const rs = parse([
      `${prefix}failed to handle message create container`,
      pad,
      `${pad}Caused by:`,
      `${pad}    0: agent create container`,
      `${prefix}next message`,
    ]);
    assert.deepEqual(spans(rs), [[1, 4], [5, 1]]);
    assert.equal(rs[0]!.body, 'failed to handle message create container\n\nCaused by:\n    0: agent create container');
    assert.equal(rs[0]!.attributes['kata.component'], 'runtime-rs');
    assert.equal(rs[0]!.attributes['kata.log.format'], 'rust-error');
  });

  it('joins a Rust panic with its message line and backtrace', () => {
    const rs = parse([
      "thread 'main' panicked at src/main.rs:10:5:",
      'explicit panic',
      'stack backtrace:',
      '   0: rust_begin_unwind',
      '             at /rustc/library/std/src/panicking.rs:652:5',
      "note: run with `RUST_BACKTRACE=full` for a verbose backtrace.",
    ]);
    assert.deepEqual(spans(rs), [[1, 6]]);
    assert.equal(rs[0]!.attributes['exception.type'], 'rust.panic');
    assert.equal(rs[0]!.attributes['exception.message'], 'explicit panic');
  });

  it('does not swallow unrelated text after Error:', () => {
    assert.deepEqual(spans(parse(['Error: something', 'another line'])), [[1, 1], [2, 1]]);
  });
});

describe('recombine: JSON across lines', () => {
  it('joins the pretty-printed journald JSON behind a Fluentd header', () => {
    // journal-json.log lines 4-37, shortened.
    const rs = parse([
      '2020-02-21 10:31:27.810781647 +0000 kata-containers:',
      '{"_BOOT_ID":"590edceeef5545a784ec8c6181a10400",',
      '  "PRIORITY":"6",',
      '  "SYSLOG_IDENTIFIER":"kata-runtime",',
      '  "MESSAGE":"time=\\"2020-02-21T10:31:27.810781647Z\\" level=info msg=\\"release sandbox\\" name=kata-runtime pid=14314 sandbox=1c3e source=virtcontainers",',
      '  "kata_pid":14314,',
      '  "kata_sandbox":"1c3e"}',
      'time="2020-02-21T10:31:28Z" level=info msg=next',
    ]);
    assert.deepEqual(spans(rs), [[1, 7], [8, 1]]);
    assert.deepEqual(rs[0]!.attributes['kata.log.envelope'], ['fluentd', 'journal-json']);
    assert.equal(rs[0]!.body, 'release sandbox');
    assert.equal(rs[0]!.attributes['kata.sandbox.id'], '1c3e');
  });

  it('joins agent JSON that a console wrap broke with a raw newline inside a string', () => {
    // agent-json.log lines 59-60
    const rs = parse([
      '{"msg":"baremount source=\\"proc\\"","level":"INFO","ts":"2023-06-07T10:17:23.537542429Z","pid":"1","subsystem":"baremount","name":"kata-agent","source":"agent',
      '","version":"0.1.0"}',
      '[    1.467228] Run /init as init process',
    ]);
    assert.deepEqual(spans(rs), [[1, 2], [3, 1]]);
    assert.equal(rs[0]!.attributes['kata.source'], 'agent');
    assert.equal(rs[0]!.attributes['kata.parse.status'], 'partial');
  });

  it('does not let an unclosed JSON line swallow the next record', () => {
    assert.deepEqual(spans(parse(['{"msg":"cut', 'time="2024-01-01T00:00:00Z" level=info msg=x'])), [[1, 1], [2, 1]]);
  });
});

describe('recombine: tables and client errors', () => {
  it('joins a kubectl describe Events table and stops at the blank line', () => {
    // coco.log lines 20-27, shortened.
    const rs = parse([
      'Events:',
      '  Type     Reason     Age   From     Message',
      '  ----     ------     ----  ----     -------',
      '  Normal   Created    5s    kubelet  Created container coco-fedora',
      '  Warning  Failed     5s    kubelet  Error: failed to create containerd task: failed to create shim task: "CreateContainerRequest is blocked by policy: agent_policy:114: ..."',
      '',
      'Name: something else',
    ]);
    assert.deepEqual(spans(rs), [[1, 5], [7, 1]]);
    assert.equal(rs[0]!.attributes['kata.log.format'], 'kubectl-events');
    assert.equal(rs[0]!.severityText, 'Warning');
    assert.equal(rs[0]!.attributes['kata.agent.rpc'], 'CreateContainerRequest');
  });

  it('joins a ctr error carrying QEMU stderr lines up to ": unknown"', () => {
    // containerd.log lines 16-18
    const rs = parse([
      'ctr: failed to create shim task: failed to launch qemu: exit status 1, error messages from qemu log: qemu-system-x86_64: -device vhost-user-fs-pci: Failed to read msg header.',
      'qemu-system-x86_64: -device vhost-user-fs-pci: vhost_backend_init failed: Protocol error',
      ': unknown',
      'qemu-system-x86_64: a later, separate QEMU line',
    ]);
    assert.deepEqual(spans(rs), [[1, 3], [4, 1]]);
    assert.equal(rs[0]!.attributes['kata.log.format'], 'client-error');
    assert.equal(rs[1]!.attributes['kata.log.format'], 'qemu');
  });
});

describe('recombine: every client prefix opens a multi-line client error', () => {
  for (const client of ['ctr', 'docker', 'crictl', 'nerdctl', 'podman', 'kubectl']) {
    it(client, () => {
      const rs = parse([`${client}: failed to launch qemu: exit status 1, error messages from qemu log: first`, 'qemu-system-x86_64: second', ': unknown']);
      assert.deepEqual(spans(rs), [[1, 3]], client);
    });
  }
});

describe('recombine: journalctl -o export', () => {
  it('cuts the stream into entries at blank lines and parses each MESSAGE', () => {
    // Built from the journal export format: KEY=value lines, one blank line after each entry.
    const rs = parse([
      '__CURSOR=s=739ad463;i=4ece7',
      '__REALTIME_TIMESTAMP=1700000000123456',
      'PRIORITY=6',
      'SYSLOG_IDENTIFIER=kata',
      '_PID=2293724',
      '_HOSTNAME=node1',
      'MESSAGE=start virtiofsd successfully',
      '',
      '__CURSOR=s=739ad463;i=4ece8',
      '__REALTIME_TIMESTAMP=1700000001000000',
      'PRIORITY=3',
      'SYSLOG_IDENTIFIER=containerd',
      '_PID=712',
      'MESSAGE=time="2023-11-14T22:13:21Z" level=error msg="shim disconnected" id=abc',
      '',
    ]);
    assert.deepEqual(spans(rs), [[1, 8], [9, 7]]);
    assert.equal(rs[0]!.body, 'start virtiofsd successfully');
    assert.equal(rs[0]!.attributes['kata.component'], 'runtime-rs');
    assert.equal(rs[0]!.attributes['kata.log.format'], 'runtime-rs-text');
    assert.equal(rs[0]!.attributes['kata.journal.cursor'], 's=739ad463;i=4ece7');
    assert.equal(rs[0]!.timeUnixNano, '1700000000123456000');
    assert.equal(rs[0]!.severityText, 'info');
    assert.equal(rs[0]!.resource['host.name'], 'node1');
    assert.deepEqual(rs[0]!.attributes['kata.log.envelope'], ['journal-export']);
    assert.equal(rs[1]!.body, 'shim disconnected');
    assert.equal(rs[1]!.attributes['kata.component'], 'container-manager');
  });
});

describe('recombine: size bound', () => {
  const dump = ['panic: boom', 'goroutine 1 [running]:', 'main.main()', '\t/x.go:1 +0x1', 'main.f()', '\t/y.go:2 +0x2', 'time="2024-01-01T00:00:00Z" level=info msg=x'];

  it('cuts a record at maxLines without losing or repeating a line, and marks both parts', () => {
    const es = entries(dump, { maxLines: 3 });
    assert.deepEqual(es.map((e) => [e.lineNumber, e.raw.length, e.split]), [[1, 3, true], [4, 3, true], [7, 1, false]]);
    assert.deepEqual(es.flatMap((e) => e.raw), dump);
    const rs = parse(dump, { maxLines: 3 });
    assert.deepEqual(spans(rs), [[1, 3], [4, 3], [7, 1]]);
    assert.equal(rs[0]!.attributes['kata.parse.status'], 'partial');
    assert.match(rs[0]!.attributes['kata.parse.error'] as string, /size limit/);
    assert.match(rs[1]!.attributes['kata.parse.error'] as string, /size limit/);
    assert.equal(rs[2]!.attributes['kata.parse.status'], undefined);
  });

  it('cuts at maxBytes the same way', () => {
    const lines = ['{"msg":', '"aaaaaaaa",', '"level":"INFO"', '}', 'x'];
    const es = entries(lines, { maxBytes: 20 });
    assert.deepEqual(es.flatMap((e) => e.raw), lines);
    assert.ok(es.every((e) => e.raw.join('').length <= 20 || e.raw.length === 1));
    assert.ok(es.filter((e) => e.split).length >= 2);
  });

  it('never splits a single line, however long', () => {
    const long = 'time="2024-01-01T00:00:00Z" level=info msg="' + 'a'.repeat(5000) + '"';
    const es = entries([long, long], { maxBytes: 100 });
    assert.deepEqual(es.map((e) => e.raw.length), [1, 1]);
  });
});
