/**
 * One describe per emitter format of the guide. Where the fixtures hold no real line of a
 * shape, the line is built from the exact layout the guide gives (section named in a
 * comment); those lines are marked "built".
 */
import assert from 'node:assert/strict';
import type { LogRecord } from '../../pdata/log-record';
import { parseText } from '../../receiver/kata/parse-text';

const REF = Date.UTC(2026, 0, 15, 12, 0, 0);

function one(text: string): LogRecord {
  const rs = parseText(text, { refMillis: REF });
  assert.equal(rs.length, 1, `expected one record from ${JSON.stringify(text).slice(0, 120)}`);
  return rs[0]!;
}

function ns(y: number, mo: number, d: number, h: number, mi: number, s: number, fraction = ''): string {
  return (BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n + BigInt((fraction + '000000000').slice(0, 9))).toString();
}

const A = (r: LogRecord, k: string) => r.attributes[k];
const SHIM_MSG = 'time=\\"2023-11-14T22:13:20.123456789Z\\" level=warning msg=\\"failed to get OOM event from sandbox\\" error=\\"ttrpc: closed\\" name=containerd-shim-v2 pid=1234 sandbox=abc source=containerd-kata-shim-v2';

describe('formats: journalctl -o json (guide 3.3, built)', () => {
  it('parses MESSAGE as the record and keeps the journald fields', () => {
    const r = one(`{"__CURSOR":"s=739a;i=4ece7","__REALTIME_TIMESTAMP":"1700000000123456","_BOOT_ID":"6c7c6013","PRIORITY":"4","SYSLOG_IDENTIFIER":"kata","SYSLOG_PID":"1234","_PID":"1234","_HOSTNAME":"node1","_TRANSPORT":"syslog","_SYSTEMD_UNIT":"containerd.service","MESSAGE":"${SHIM_MSG}"}`);
    assert.equal(r.body, 'failed to get OOM event from sandbox');
    assert.equal(r.timeUnixNano, ns(2023, 11, 14, 22, 13, 20, '123456789'));
    assert.equal(r.severityText, 'warning');
    assert.equal(A(r, 'kata.component'), 'runtime');
    assert.equal(A(r, 'kata.log.format'), 'logfmt');
    assert.deepEqual(A(r, 'kata.log.envelope'), ['journal-json']);
    assert.equal(A(r, 'kata.log.identifier'), 'kata');
    assert.equal(A(r, 'kata.journal.cursor'), 's=739a;i=4ece7');
    assert.equal(A(r, 'kata.journal.transport'), 'syslog');
    assert.equal(A(r, 'kata.journal.unit'), 'containerd.service');
    assert.equal(A(r, 'kata.journal.boot_id'), '6c7c6013');
    assert.equal(A(r, 'kata.sandbox.id'), 'abc');
    assert.equal(r.resource['host.name'], 'node1');
  });

  it('reads plain runtime-rs text under SYSLOG_IDENTIFIER=kata as runtime-rs', () => {
    const r = one('{"__REALTIME_TIMESTAMP":"1700000000123456","PRIORITY":"6","SYSLOG_IDENTIFIER":"kata","_PID":"99","_TRANSPORT":"journal","MESSAGE":"start virtiofsd successfully"}');
    assert.equal(A(r, 'kata.component'), 'runtime-rs');
    assert.equal(A(r, 'kata.log.format'), 'runtime-rs-text');
    assert.equal(r.timeUnixNano, '1700000000123456000');
    assert.equal(r.severityNumber, 9);
    assert.equal(A(r, 'process.pid'), 99);
  });

  it('decodes a MESSAGE written as an array of bytes (not valid UTF-8)', () => {
    // "start to run" then a 0xff byte: journalctl -o json prints such a MESSAGE as numbers.
    const bytes = [...Buffer.from('start to run'), 0xff].join(',');
    const r = one(`{"__REALTIME_TIMESTAMP":"1700000000123456","PRIORITY":"3","SYSLOG_IDENTIFIER":"kata","_PID":"99","MESSAGE":[${bytes}]}`);
    assert.equal(r.body, 'start to run\ufffd');
    assert.equal(r.severityText, 'err');
    assert.equal(r.severityNumber, 17);
  });

  it('keeps an entry whose MESSAGE is missing or null (too large without --all), flagged partial', () => {
    for (const msg of ['', ',"MESSAGE":null']) {
      const r = one(`{"__REALTIME_TIMESTAMP":"1700000000123456","PRIORITY":"4","SYSLOG_IDENTIFIER":"kata","_PID":"99"${msg}}`);
      assert.equal(r.body, '');
      assert.equal(A(r, 'kata.log.format'), 'journal-json');
      assert.equal(A(r, 'kata.parse.status'), 'partial');
      assert.match(A(r, 'kata.parse.error') as string, /without MESSAGE/);
      assert.equal(r.timeUnixNano, '1700000000123456000');
      assert.equal(r.severityNumber, 13);
      assert.equal(A(r, 'kata.log.identifier'), 'kata');
    }
  });
});

describe('formats: journalctl -o export binary fields (built)', () => {
  it('reads a field without = as binary (length line) and flags it', () => {
    const text = ['__CURSOR=s=1', '__REALTIME_TIMESTAMP=1700000000000000', 'SYSLOG_IDENTIFIER=kata', 'MESSAGE', '\u0005\u0000\u0000\u0000\u0000\u0000\u0000\u0000hello', ''].join('\n') + '\n';
    const [r] = parseText(text, { refMillis: REF });
    assert.equal(r!.body, 'hello');
    assert.equal(A(r!, 'kata.parse.status'), 'partial');
  });
});

describe('formats: runtime-rs (guide 5.2, 6)', () => {
  it('≤3.19: slog JSON via containerd, source is the sandbox id, agent JSON nested in msg', () => {
    // runtime-rs.log line 4
    const r = one('Sep 23 08:14:08 node-0 containerd[3000468]: {"msg":"{\\"msg\\":\\"rpc call from shim to agent: \\\\\\"stats_container\\\\\\"\\",\\"level\\":\\"INFO\\",\\"ts\\":\\"2023-09-23T08:14:08.466291932Z\\",\\"version\\":\\"0.1.0\\",\\"subsystem\\":\\"rpc\\",\\"source\\":\\"agent\\",\\"pid\\":\\"125\\",\\"name\\":\\"kata-agent\\"}","level":"INFO","ts":"2023-09-23T08:14:08.466928994Z","version":"0.1.0","name":"kata-runtime","subsystem":"agent","source":"6eca1e41f00676ce0d0c54d7fa8aefc1f4c829a8aa9ca1f2ec1ff348af4f5ba2","pid":"3003684"}');
    assert.equal(A(r, 'kata.component'), 'agent');
    assert.equal(A(r, 'kata.relay.component'), 'runtime-rs');
    assert.equal(A(r, 'kata.agent.rpc'), 'stats_container');
    assert.equal(A(r, 'kata.sandbox.id'), '6eca1e41f00676ce0d0c54d7fa8aefc1f4c829a8aa9ca1f2ec1ff348af4f5ba2');
  });

  it('≤3.19: a runtime-rs record of its own', () => {
    const r = one('{"msg":"start virtiofsd successfully","level":"INFO","ts":"2023-09-23T08:14:08.5Z","version":"0.1.0","name":"kata-runtime","subsystem":"resource","source":"6eca1e41f00676ce0d0c54d7fa8aefc1f4c829a8aa9ca1f2ec1ff348af4f5ba2","pid":"3003684"}');
    assert.equal(A(r, 'kata.component'), 'runtime-rs');
    assert.equal(A(r, 'kata.log.format'), 'slog-json');
    assert.equal(r.body, 'start virtiofsd successfully');
    assert.equal(A(r, 'kata.relay.component'), undefined);
  });

  it('≤3.19 (inferred): vm console line as the msg of a runtime-rs JSON record (built)', () => {
    const r = one('{"msg":"vm console: \\"[    0.395399] brd: module loaded\\\\r\\"","level":"INFO","ts":"2023-09-23T08:14:08.5Z","name":"kata-runtime","subsystem":"hypervisor","source":"6eca1e41f00676ce0d0c54d7fa8aefc1f4c829a8aa9ca1f2ec1ff348af4f5ba2","pid":"3003684"}');
    assert.equal(A(r, 'kata.component'), 'guest-kernel');
    assert.equal(r.body, 'brd: module loaded');
    assert.equal(A(r, 'kata.relay.component'), 'runtime-rs');
    assert.equal(A(r, 'kata.relay.format'), 'slog-json');
    assert.equal(A(r, 'kata.relay.time'), '2023-09-23T08:14:08.5Z');
    assert.equal(A(r, 'kata.relay.depth'), 1);
    assert.equal(r.timeUnixNano, ns(2023, 9, 23, 8, 14, 8, '5'));
  });

  it('≥3.20: plain journald text under kata is runtime-rs, with no level', () => {
    const r = one('Jul 29 13:29:17 server.local kata[2293724]: start to run');
    assert.equal(A(r, 'kata.component'), 'runtime-rs');
    assert.equal(A(r, 'kata.log.format'), 'runtime-rs-text');
    assert.equal(r.severityNumber, 0);
    assert.equal(r.timeUnixNano, ns(2025, 7, 29, 13, 29, 17));
  });

  it('≥3.20: vm console: "..." with Rust escapes (\\u{1b}, \\r, \\")', () => {
    // vmconsole.log line 42, then a built agent JSON console line.
    const sys = one('Dec 15 19:55:10 pek001 kata[3170169]: vm console: "[\\u{1b}[0;32m  OK  \\u{1b}[0m] Reached target \\u{1b}[0;1;39mlocal-fs.target\\u{1b}[0m - Local File Systems.\\r"');
    assert.equal(sys.body, '[  OK  ] Reached target local-fs.target - Local File Systems.');
    assert.equal(A(sys, 'kata.component'), 'guest');
    assert.equal(A(sys, 'kata.log.format'), 'systemd');
    assert.equal(A(sys, 'kata.relay.format'), 'vm-console');
    const agent = one('Dec 15 19:55:10 pek001 kata[3170169]: vm console: "{\\"msg\\":\\"policy check: CreateContainerRequest\\",\\"level\\":\\"DEBG\\",\\"ts\\":\\"2025-12-15T11:55:10.5Z\\",\\"pid\\":\\"1\\",\\"subsystem\\":\\"rpc\\",\\"source\\":\\"agent\\",\\"name\\":\\"kata-agent\\"}\\r"');
    assert.equal(A(agent, 'kata.component'), 'agent');
    assert.equal(A(agent, 'kata.agent.rpc'), 'CreateContainerRequest');
    assert.equal(agent.timeUnixNano, ns(2025, 12, 15, 11, 55, 10, '5'));
  });

  it('≥3.20: a vm console string cut before its closing quote is still read, flagged partial', () => {
    const r = one('kata[1]: vm console: "[    1.000000] cut he');
    assert.equal(r.body, 'cut he');
    assert.equal(A(r, 'kata.parse.status'), 'partial');
  });

  it('≥3.20: source: virtiofsd [...] carries the Rust virtiofsd env_logger line', () => {
    const r = one('Jul 29 10:29:17 server.local kata[2293724]: source: virtiofsd [2026-07-29T10:29:17Z WARN  virtiofsd] Use of deprecated flag \'-o\'');
    assert.equal(A(r, 'kata.component'), 'virtiofsd');
    assert.equal(A(r, 'kata.log.format'), 'env-logger');
    assert.equal(r.severityText, 'WARN');
    assert.equal(r.body, "Use of deprecated flag '-o'");
    assert.equal(r.timeUnixNano, ns(2026, 7, 29, 10, 29, 17));
    assert.equal(A(r, 'kata.relay.component'), 'runtime-rs');
    assert.equal(A(r, 'kata.relay.format'), 'runtime-rs-text');
    assert.equal(r.resource['service.name'], 'virtiofsd');
  });

  it('≥3.20: virtiofsd text that is not env_logger is still virtiofsd\'s', () => {
    const r = one('kata[2]: source: virtiofsd Waiting for vhost-user socket connection...');
    assert.equal(A(r, 'kata.component'), 'virtiofsd');
    assert.equal(r.body, 'Waiting for vhost-user socket connection...');
  });
});

describe('formats: firecracker (guide 7)', () => {
  it('standalone: time without zone (UTC), [instance:LEVEL:file:line] (built)', () => {
    const r = one('2018-11-28T14:01:37.145332365 [:ERROR:vmm/src/lib.rs:1157] Failed to write metrics');
    assert.equal(A(r, 'kata.component'), 'hypervisor');
    assert.equal(A(r, 'kata.hypervisor.type'), 'firecracker');
    assert.equal(r.timeUnixNano, ns(2018, 11, 28, 14, 1, 37, '145332365'));
    assert.equal(r.severityText, 'ERROR');
    assert.equal(r.severityNumber, 17);
    assert.equal(A(r, 'code.file.path'), 'vmm/src/lib.rs');
    assert.equal(A(r, 'code.line.number'), 1157);
    assert.equal(r.body, 'Failed to write metrics');
  });

  it('relayed by the Go runtime in contents= (always level=error): FC\'s own time wins', () => {
    const r = one('time="2021-03-03T08:56:19.415511339Z" level=error msg="firecracker failed" contents="2021-03-03T08:56:19.415168631 [anonymous-instance] vsock: raising IRQ" fifoName=logs.fifo name=containerd-shim-v2 pid=387254 sandbox=5787 source=virtcontainers subsystem=firecracker');
    assert.equal(A(r, 'kata.component'), 'hypervisor');
    assert.equal(A(r, 'kata.log.format'), 'firecracker');
    assert.equal(r.body, 'vsock: raising IRQ');
    assert.equal(r.timeUnixNano, ns(2021, 3, 3, 8, 56, 19, '415168631'));
    assert.equal(r.severityNumber, 0, 'FC wrote no level; the wrapper\'s error is meaningless (guide 7)');
    assert.equal(A(r, 'kata.relay.severity_text'), 'error');
    assert.equal(A(r, 'kata.relay.component'), 'runtime');
    assert.equal(A(r, 'kata.field.instance'), 'anonymous-instance');
    assert.equal(A(r, 'kata.sandbox.id'), '5787');
  });
});

describe('formats: virtiofsd (guide 7)', () => {
  it('C, with --syslog: [ID: n] message under virtiofsd[pid]', () => {
    // hypervisor.log line 10 shape
    const r = one('Mar 29 17:05:28 test virtiofsd[184280]: [ID: 00184280] virtio_loop: Unexpected poll revents 11');
    assert.equal(A(r, 'kata.component'), 'virtiofsd');
    assert.equal(A(r, 'kata.log.format'), 'virtiofsd');
    assert.equal(r.body, 'virtio_loop: Unexpected poll revents 11');
  });

  it('Rust, relayed by the Go shim with source=virtiofsd (built, kata-containers#4063)', () => {
    const r = one('time="2022-03-21T09:10:11.1Z" level=info msg="[2022-03-21T09:10:11Z INFO  virtiofsd] Waiting for vhost-user socket connection..." name=containerd-shim-v2 pid=3 sandbox=sb1 source=virtiofsd');
    assert.equal(A(r, 'kata.component'), 'virtiofsd');
    assert.equal(r.body, 'Waiting for vhost-user socket connection...');
    assert.equal(r.timeUnixNano, ns(2022, 3, 21, 9, 10, 11));
    assert.equal(A(r, 'kata.relay.component'), 'runtime');
  });

  it('C debug text relayed by Kata 1.x (source=virtiofsd subsystem=qemu)', () => {
    const r = one('time="2020-06-05T22:24:20.1Z" level=info msg="fv_queue_thread: Waiting for Queue 1 event" name=kata-runtime pid=3 sandbox=sb1 source=virtiofsd subsystem=qemu');
    assert.equal(A(r, 'kata.component'), 'virtiofsd');
    assert.equal(r.body, 'fv_queue_thread: Waiting for Queue 1 event');
    assert.equal(r.timeUnixNano, ns(2020, 6, 5, 22, 24, 20, '1'));
    assert.equal(r.resource['service.name'], 'virtiofsd');
  });
});

describe('formats: kata-monitor (guide 7)', () => {
  it('logfmt announce from the global logger: no name/pid/source, app=kata-monitor', () => {
    const r = one('time="2025-01-01T00:00:00.5+08:00" level=info msg=announce app=kata-monitor arch=amd64 git-commit=c7d0 go-version=go1.24.11 listen-address="127.0.0.1:8090" log-level=info os=linux runtime-endpoint=/run/containerd/containerd.sock version=0.3.0');
    assert.equal(A(r, 'kata.component'), 'kata-monitor');
    assert.equal(r.body, 'announce');
  });

  it('logfmt record with name/pid/source=kata-monitor', () => {
    const r = one('time="2025-01-01T00:00:01Z" level=error msg="failed to get sandboxes metadata" error="rpc error: code = Unavailable" name=kata-monitor pid=2778267 source=kata-monitor');
    assert.equal(A(r, 'kata.component'), 'kata-monitor');
    assert.equal(A(r, 'exception.message'), 'rpc error: code = Unavailable');
  });

  it('TTY layout with ANSI colours still on', () => {
    const r = one('\u001b[31mERRO\u001b[0m[0005] failed to get sandboxes metadata              \u001b[31merror\u001b[0m="rpc error" \u001b[31mname\u001b[0m=kata-monitor');
    assert.equal(A(r, 'kata.component'), 'kata-monitor');
    assert.equal(r.severityText, 'ERRO');
    assert.equal(r.body, 'failed to get sandboxes metadata');
    assert.equal(r.timeUnixNano, '0', '[0005] is seconds since start, not a time');
  });
});

describe('formats: nydus (guide 7)', () => {
  it('snapshotter TTY layout with a full timestamp, trailing padding and no fields', () => {
    // hypervisor.log line 32 shape
    const r = one('INFO[2022-08-04T20:15:49.976941091+08:00] gc goroutine start...                        ');
    assert.equal(A(r, 'kata.component'), 'container-manager');
    assert.equal(r.resource['service.name'], 'nydus-snapshotter');
    assert.equal(r.body, 'gc goroutine start...');
    assert.equal(r.timeUnixNano, (BigInt(ns(2022, 8, 4, 20, 15, 49, '976941091')) - 8n * 3_600_000_000_000n).toString());
  });

  it('snapshotter JSON lines (logrus JSONFormatter, built)', () => {
    const r = one('{"level":"warning","msg":"failed to check daemon status","daemon":"shared_daemon","time":"2022-08-04T20:15:50.408050221+08:00"}');
    assert.equal(A(r, 'kata.component'), 'container-manager');
    assert.equal(A(r, 'kata.log.format'), 'json');
    assert.equal(r.resource['service.name'], 'nydus-snapshotter');
    assert.equal(r.severityNumber, 13);
    const plain = one('{"level":"info","msg":"gc goroutine start...","time":"2022-08-04T20:15:49.976941091+08:00"}');
    assert.equal(A(plain, 'kata.component'), 'container-manager');
  });

  it('nydusd: [time] LEVEL message', () => {
    const r = one('[2025-11-14 09:14:37.391300 +00:00] INFO Fuse daemon started!');
    assert.equal(A(r, 'kata.log.format'), 'nydusd');
    assert.equal(r.body, 'Fuse daemon started!');
    assert.equal(r.timeUnixNano, ns(2025, 11, 14, 9, 14, 37, '3913'));
  });
});

describe('formats: klog and CRI errors (guide 8, 9)', () => {
  it('klog with pod="namespace/name"', () => {
    // runtime-rs.log line 16
    const r = one('kubelet[2532022]: I0717 11:15:08.645217 2532022 kubelet.go:2511] "SyncLoop (probe)" probe="startup" status="started" pod="kata-containers-system/kata-deploy-vlhzs"');
    assert.equal(A(r, 'k8s.namespace.name'), 'kata-containers-system');
    assert.equal(A(r, 'k8s.pod.name'), 'kata-deploy-vlhzs');
    assert.equal(A(r, 'code.file.path'), 'kubelet.go');
    assert.equal(A(r, 'code.line.number'), 2511);
    assert.equal(r.timeUnixNano, ns(2025, 7, 17, 11, 15, 8, '645217'));
  });

  const BLOCKED = 'CreateContainerRequest is blocked by policy: agent_policy:114: allow_create_container_input: input = {...}';

  it('klog error carrying a policy denial sets kata.agent.rpc (built)', () => {
    const r = one(`E0101 10:00:00.000001  1234 remote_runtime.go:343] "CreateContainer in sandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to create containerd task: failed to create shim task: \\"${BLOCKED}\\"" podSandboxID="d5adb92f90066" containerID="c1"`);
    assert.equal(A(r, 'kata.agent.rpc'), 'CreateContainerRequest');
    assert.equal(A(r, 'kata.sandbox.id'), 'd5adb92f90066');
  });

  it('containerd logfmt error carrying a policy denial sets kata.agent.rpc (built)', () => {
    const r = one(`Jan 01 10:00:00 node containerd[712]: time="2026-01-01T10:00:00.1Z" level=error msg="CreateContainer within sandbox \\"d5adb\\" failed" error="rpc error: code = Unknown desc = failed to create shim task: \\"${BLOCKED}\\""`);
    assert.equal(A(r, 'kata.component'), 'container-manager');
    assert.equal(A(r, 'kata.agent.rpc'), 'CreateContainerRequest');
  });

  it('kubectl Events row and client error carrying a denial (built)', () => {
    const row = one(`  Warning  Failed     5s (x3 over 19s)  kubelet            Error: failed to create containerd task: failed to create shim task: "${BLOCKED}"`);
    assert.equal(A(row, 'kata.log.format'), 'kubectl-events');
    assert.equal(A(row, 'kata.agent.rpc'), 'CreateContainerRequest');
    assert.equal(row.severityNumber, 13);
    const exec = one('Error: failed to exec in container: "ExecProcessRequest is blocked by policy: agent_policy:122: allow_exec: ..."');
    assert.equal(A(exec, 'kata.agent.rpc'), 'ExecProcessRequest');
    assert.equal(A(exec, 'kata.log.format'), 'client-error');
  });

  it('runtime-rs anyhow chain inside a CRI error (guide 9, built)', () => {
    const r = one('Failed to create pod sandbox: rpc error: code = Unknown desc = Others("failed to handle message create container\\n\\nCaused by:\\n    0: agent create container\\n    1: rpc status: Status { code: PERMISSION_DENIED, message: \\"\\\\\\"CreateContainerRequest is blocked by policy: ...")');
    assert.equal(A(r, 'kata.agent.rpc'), 'CreateContainerRequest');
    assert.equal(A(r, 'kata.component'), 'container-manager');
  });

  it('does not invent a request from other text', () => {
    const r = one('time="2024-01-01T00:00:00Z" level=info msg="rpc error: code = Unavailable is blocked by policy" name=containerd-shim-v2 pid=1 source=virtcontainers');
    assert.equal(A(r, 'kata.agent.rpc'), undefined);
  });
});

describe('formats: Kata 1.x kata-proxy relays (guide 10)', () => {
  it('nested agent logfmt record: the agent\'s time, level and message win', () => {
    // legacy-1x.log line 28 shape
    const r = one('time="2019-07-27T00:35:53.055536596+08:00" level=info msg="time=\\"2019-07-26T16:35:52.911834881Z\\" level=debug msg=\\"ignoring unexpected signal\\" name=kata-agent pid=169 sandbox=33b5 signal=\\"child exited\\" source=agent\\n" name=kata-proxy pid=220106 sandbox=33b5 source=agent');
    assert.equal(A(r, 'kata.component'), 'agent');
    assert.equal(r.severityText, 'debug');
    assert.equal(r.body, 'ignoring unexpected signal');
    assert.equal(r.timeUnixNano, ns(2019, 7, 26, 16, 35, 52, '911834881'));
    assert.equal(A(r, 'process.pid'), 169);
    assert.equal(A(r, 'kata.relay.component'), 'legacy-proxy');
    assert.equal(A(r, 'kata.relay.time'), '2019-07-27T00:35:53.055536596+08:00');
    assert.equal(A(r, 'kata.field.signal'), 'child exited');
  });

  it('console line with the trailing \\n kept inside msg', () => {
    const r = one('time="2020-06-05T22:24:56.770914443Z" level=info msg="[    0.273721] intel_pstate: CPU model not supported\\n" name=kata-proxy pid=14012 sandbox=c12c source=agent');
    assert.equal(A(r, 'kata.component'), 'guest-kernel');
    assert.equal(r.body, 'intel_pstate: CPU model not supported');
    assert.equal(r.timeUnixNano, ns(2020, 6, 5, 22, 24, 56, '770914443'));
  });

  it('the proxy\'s own records', () => {
    const r = one('time="2019-07-27T00:36:48.71831361+08:00" level=fatal msg="channel error" error="session shutdown" name=kata-proxy pid=220106 sandbox=33b5 source=proxy');
    assert.equal(A(r, 'kata.component'), 'legacy-proxy');
    assert.equal(r.severityNumber, 21);
  });
});

describe('formats: guest printk severities (guide 4.1)', () => {
  const con = (line: string) =>
    one(`time="2024-01-01T00:00:00Z" level=debug msg="reading guest console" console-protocol=unix name=containerd-shim-v2 pid=1 sandbox=sb source=virtcontainers subsystem=sandbox vmconsole="${line}"`);

  it('Kernel panic is FATAL and the kata.guest.kernel.panic event', () => {
    const r = con('[    2.345678] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)');
    assert.equal(r.severityNumber, 21);
    assert.equal(r.eventName, 'kata.guest.kernel.panic');
    assert.equal(A(r, 'kata.component'), 'guest-kernel');
    assert.equal(A(r, 'kata.guest.uptime'), 2.345678);
    assert.equal(A(r, 'kata.sandbox.id'), 'sb');
  });

  it('BUG, Oops, OOM kills and verity corruption are ERROR', () => {
    for (const line of [
      '[   10.000001] BUG: unable to handle page fault for address: 0000',
      '[   10.000002] Oops: 0002 [#1] SMP NOPTI',
      '[   10.000003] Out of memory: Killed process 123 (app)',
      '[   10.000004] device-mapper: verity: 252:0: data block 1 is corrupted',
    ]) {
      const r = con(line);
      assert.equal(r.severityNumber, 17, line);
      assert.equal(r.eventName, '', line);
    }
  });

  it('a warning is WARN, and an ordinary line has no level', () => {
    assert.equal(con('[    0.100000] WARNING: CPU: 0 PID: 1 at kernel/x.c:1').severityNumber, 13);
    const plain = con('[    0.395399] brd: module loaded');
    assert.equal(plain.severityNumber, 0);
    assert.equal(plain.severityText, '');
  });

  it('userspace writing to /dev/kmsg is the guest, not its kernel', () => {
    assert.equal(A(con('[    0.408768] systemd[48]: Started x.'), 'kata.component'), 'guest');
  });
});

describe('formats: guest console text (guide 4.1)', () => {
  it('the agent\'s eprintln! lines are the agent\'s, level read from the prefix', () => {
    // vmconsole.log line 19
    const r = one('time="2022-07-12T11:58:29.153751587+08:00" level=debug msg="reading guest console" console-protocol=unix console-url=/run/vc/vm/cuda-1/console.sock name=containerd-shim-v2 pid=554996 sandbox=cuda-1 source=virtcontainers subsystem=sandbox vmconsole="INFO: interruptable_io_copier: got shutdown request"');
    assert.equal(A(r, 'kata.component'), 'agent');
    assert.equal(r.severityText, 'INFO');
    assert.equal(r.body, 'interruptable_io_copier: got shutdown request');
  });

  it('other console text is the guest\'s', () => {
    const r = one('time="2024-01-01T00:00:00Z" level=debug msg="reading guest console" name=containerd-shim-v2 pid=1 sandbox=sb source=virtcontainers vmconsole="Welcome to Kata\\r"');
    assert.equal(A(r, 'kata.component'), 'guest');
    assert.equal(r.body, 'Welcome to Kata');
  });

  it('env_logger from CoCo guest components with Go-escaped ANSI colours (guide 9)', () => {
    const r = one('time="2025-02-11T12:08:55Z" level=debug msg="reading guest console" name=containerd-shim-v2 pid=1 sandbox=sb source=virtcontainers vmconsole="\\x1b[90m[\\x1b[0m2025-02-11T12:08:54Z \\x1b[33mWARN \\x1b[0m kbs_protocol::client::rcar_client\\x1b[90m]\\x1b[0m RCAR handshake failed: timeout"');
    assert.equal(A(r, 'kata.component'), 'guest');
    assert.equal(A(r, 'kata.log.format'), 'env-logger');
    assert.equal(r.resource['service.name'], 'attestation-agent');
    assert.equal(r.body, 'RCAR handshake failed: timeout');
    assert.equal(r.timeUnixNano, ns(2025, 2, 11, 12, 8, 54));
  });

  it('cloud-hypervisor\'s own line with its thread', () => {
    const r = one('time="2024-01-01T00:00:00Z" level=debug msg="reading guest console" name=containerd-shim-v2 pid=1 sandbox=sb source=virtcontainers vmconsole="cloud-hypervisor: 4.83598899s: <vmm> INFO:vmm/src/lib.rs:12 -- VM shut down"');
    assert.equal(A(r, 'kata.component'), 'hypervisor');
    assert.equal(A(r, 'kata.hypervisor.uptime'), 4.83598899);
    assert.equal(A(r, 'kata.field.thread'), 'vmm');
  });
});

describe('formats: agent ExecProcess requests (built from the format string in kata-containers src/agent/src/rpc.rs)', () => {
  const CID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const SANDBOX = 'c90911662a752d347eabcf6f73e896cc3df3ceb6b6dcc05317f5596dc2450e26';
  const EID = '0e9f2c7a-5b1d-4f4e-9a3c-2d6b8e1f7a90';

  it('reads container.id and kata.exec.id from "do_exec_process cid: … eid: …" relayed by runtime-rs', () => {
    const inner = `{\\"msg\\":\\"do_exec_process cid: ${CID} eid: ${EID}\\",\\"level\\":\\"INFO\\",\\"ts\\":\\"2025-11-20T05:59:59.994056614Z\\",\\"subsystem\\":\\"rpc\\",\\"pid\\":\\"213\\",\\"source\\":\\"agent\\",\\"version\\":\\"0.1.0\\",\\"name\\":\\"kata-agent\\"}`;
    const r = one(`Nov 20 06:00:00 node1 containerd[2038]: {"msg":"${inner}","level":"INFO","ts":"2025-11-20T06:00:00Z","name":"kata-runtime","version":"0.1.0","source":"${SANDBOX}","subsystem":"agent","pid":"3521991"}`);
    assert.equal(r.body, `do_exec_process cid: ${CID} eid: ${EID}`);
    assert.equal(A(r, 'kata.component'), 'agent');
    assert.equal(A(r, 'container.id'), CID);
    assert.equal(A(r, 'kata.exec.id'), EID);
    assert.equal(A(r, 'kata.sandbox.id'), SANDBOX);
  });

  it('keeps ids the record\'s own fields gave, and reads nothing from other messages', () => {
    const own = one(`{"msg":"do_exec_process cid: ${CID} eid: ${EID}","level":"INFO","ts":"2025-11-20T05:59:59.994056614Z","cid":"other","eid":"probe-1","source":"agent","name":"kata-agent","pid":"213"}`);
    assert.equal(A(own, 'container.id'), 'other');
    assert.equal(A(own, 'kata.exec.id'), 'probe-1');
    const not = one(`{"msg":"do_exec_process failed: cid: ${CID}","level":"INFO","ts":"2025-11-20T05:59:59.994056614Z","source":"agent","name":"kata-agent","pid":"213"}`);
    assert.equal(A(not, 'kata.exec.id'), undefined);
  });
});
