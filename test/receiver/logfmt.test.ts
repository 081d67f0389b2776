/**
 * logrus TextFormatter records: the quoting rule (bare only for [A-Za-z0-9-._/@^+]), Go `%q`
 * escapes inside quoted values, and the damage real pastes show. Lines are built from the
 * layout in the format guide (section 2.1) unless a comment names a fixture.
 */
import assert from 'node:assert/strict';
import { parseText } from '../../receiver/kata/parse-text';
import { scanLogfmt, startsLikeLogfmt } from '../../receiver/kata/logfmt';
import { goUnescape } from '../../receiver/kata/unquote';

const T = 'time="2024-05-06T07:08:09.123456789Z" level=info';

function one(line: string) {
  const records = parseText(line, { refMillis: Date.UTC(2026, 0, 15) });
  assert.equal(records.length, 1);
  return records[0]!;
}

/** The pairs of a scan as an object (a key written twice keeps its last value). */
function pairs(text: string): Record<string, string> {
  const p = scanLogfmt(text).pairs;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i += 2) out[p[i]!] = p[i + 1]!;
  return out;
}

describe('logfmt: Go %q escapes in quoted values', () => {
  it('decodes \\x1b (ANSI colour codes in console text)', () => {
    assert.equal(goUnescape('[\\x1b[0;32m  OK  \\x1b[0m] Started').value, '[\u001b[0;32m  OK  \u001b[0m] Started');
  });

  it('decodes \\n, \\t, \\r, \\" and \\\\', () => {
    const u = goUnescape('a\\nb\\tc\\rd \\"q\\" back\\\\slash');
    assert.equal(u.value, 'a\nb\tc\rd "q" back\\slash');
    assert.equal(u.clean, true);
  });

  it('keeps an escaped backslash before n as a backslash and an n', () => {
    assert.equal(goUnescape('C:\\\\new').value, 'C:\\new');
  });

  it('decodes \\u00a0 and \\U0001f600', () => {
    assert.equal(goUnescape('a\\u00a0b \\U0001f600').value, 'a\u00a0b \u{1f600}');
  });

  it('decodes \\x00 (the NUL of an abstract socket path)', () => {
    // runtime-logfmt.log line 7: error="chmod \x00/run/vc/test_kata/shim-monitor: invalid argument"
    assert.equal(goUnescape('chmod \\x00/run/vc/test_kata/shim-monitor').value, 'chmod \u0000/run/vc/test_kata/shim-monitor');
  });

  it('decodes a run of \\xHH bytes as one UTF-8 sequence', () => {
    // Go writes invalid or non-printable UTF-8 byte by byte; valid runs must come back whole.
    assert.equal(goUnescape('16.139\\xc2\\xb5s').value, '16.139µs');
    assert.equal(goUnescape('\\xe2\\x80\\xa6 \\xf0\\x9f\\x98\\x80').value, '… 😀');
  });

  it('turns an invalid byte into U+FFFD and keeps going', () => {
    assert.equal(goUnescape('a\\xffb').value, 'a\ufffdb');
  });

  it('keeps an unknown or cut escape literally and reports it', () => {
    const u = goUnescape('bad \\q and cut \\x4');
    assert.equal(u.value, 'bad \\q and cut \\x4');
    assert.equal(u.clean, false);
  });

  it('keeps raw printable non-ASCII inside quotes (duration="16.139µs")', () => {
    // legacy-1x.log line 32 carries duration=\"16.139µs\" inside the proxy's msg.
    assert.equal(pairs('duration="16.139µs" other=33.589694ms').duration, '16.139µs');
    assert.equal(pairs('duration="16.139µs" other=33.589694ms').other, '33.589694ms');
  });
});

describe('logfmt: record layout', () => {
  it('reads time, level and msg, then the sorted fields', () => {
    const r = one(`${T} msg="hello \\"world\\"" name=containerd-shim-v2 pid=42 sandbox=sb source=virtcontainers`);
    assert.equal(r.body, 'hello "world"');
    assert.equal(r.timeUnixNano, '1714979289123456789');
    assert.equal(r.severityText, 'info');
    assert.equal(r.attributes['kata.sandbox.id'], 'sb');
    assert.equal(r.attributes['process.pid'], 42);
  });

  it('gives an empty body when logrus left msg out (empty message)', () => {
    // legacy-1x.log line 18 has the same shape: level=info arch=amd64 arguments=...
    const r = one(`${T} arch=amd64 arguments="\\"create --bundle /b\\"" command=create name=kata-runtime pid=9 source=runtime version=1.6.0`);
    assert.equal(r.body, '');
    assert.equal(r.attributes['kata.field.arguments'], '"create --bundle /b"');
    assert.equal(r.attributes['kata.component'], 'runtime');
    assert.equal(r.attributes['kata.parse.status'], undefined);
  });

  it('maps the upper-case keys that sort first: ID and Error', () => {
    const r = one(`${T} msg="getting vm status failed" Error="dial: refused" ID=5787c958 source=virtcontainers subsystem=firecracker`);
    assert.equal(r.attributes['kata.sandbox.id'], '5787c958');
    assert.equal(r.attributes['exception.message'], 'dial: refused');
  });

  it('reads name=grpc.<Request> as the agent request, not as the program name', () => {
    const r = one(`${T} msg="sending request" name=grpc.CheckRequest pid=5 req="&CheckRequest{Service:,XXX_unrecognized:[],}" sandbox=sb source=virtcontainers subsystem=kata_agent`);
    assert.equal(r.attributes['kata.agent.rpc'], 'CheckRequest');
    assert.equal(r.attributes['kata.logger.name'], undefined);
    assert.equal(r.attributes['kata.component'], 'runtime');
  });

  it('reads an empty bare value key= as ""', () => {
    assert.deepEqual(scanLogfmt('a=1 resp= b=2').pairs, ['a', '1', 'resp', '', 'b', '2']);
    assert.deepEqual(scanLogfmt('a=1 resp=').pairs, ['a', '1', 'resp', '']);
    assert.equal(scanLogfmt('a=1 resp= b=2').clean, true);
  });

  it('recovers the fields after a value whose closing quote was lost', () => {
    // malformed.log line 4: error="rpc error: code = Internal desc im-v2 pid=11014 sandbox=... source=...
    const res = scanLogfmt('msg="m" error="rpc error: code = Internal desc im-v2 pid=11014 sandbox=abc source=containerd-kata-shim-v2');
    assert.equal(res.clean, false);
    assert.equal(res.unterminated, true);
    const p = pairs('msg="m" error="rpc error: code = Internal desc im-v2 pid=11014 sandbox=abc source=containerd-kata-shim-v2');
    assert.equal(p.error, 'rpc error: code = Internal desc im-v2');
    assert.equal(p.pid, '11014');
    assert.equal(p.sandbox, 'abc');
    const r = one(`${T} msg="m" error="rpc error: code = Internal desc im-v2 pid=11014 sandbox=abc source=containerd-kata-shim-v2`);
    assert.equal(r.attributes['kata.parse.status'], 'partial');
    assert.equal(r.attributes['kata.parse.error'], 'unterminated quoted value');
  });

  it('skips a stray quote and the words around it, and reads on', () => {
    // malformed.log line 6: console-url=/dev/pts/1 : file already closed" name=containerd-shim-v2 ...
    const res = scanLogfmt('console-url=/dev/pts/1 : file already closed" name=containerd-shim-v2 pid=1 source=vi=sandbox');
    assert.equal(res.clean, false);
    assert.deepEqual(res.pairs, ['console-url', '/dev/pts/1', 'name', 'containerd-shim-v2', 'pid', '1', 'source', 'vi=sandbox']);
  });

  it('flags text glued to a closing quote', () => {
    const res = scanLogfmt('msg="a"b=1');
    assert.equal(res.clean, false);
    assert.deepEqual(res.pairs.slice(0, 2), ['msg', 'a']);
  });

  it('decodes a nested record: agent JSON in vmconsole, with doubled escaping', () => {
    const r = one(`${T} msg="reading guest console" name=containerd-shim-v2 pid=1 sandbox=sb source=virtcontainers subsystem=sandbox vmconsole="{\\"msg\\":\\"say \\\\\\"hi\\\\\\"\\",\\"level\\":\\"WARN\\",\\"ts\\":\\"2024-05-06T07:08:10Z\\",\\"name\\":\\"kata-agent\\",\\"source\\":\\"agent\\",\\"pid\\":\\"1\\"}"`);
    assert.equal(r.body, 'say "hi"');
    assert.equal(r.severityText, 'WARN');
    assert.equal(r.attributes['kata.component'], 'agent');
    assert.equal(r.attributes['kata.relay.component'], 'runtime');
  });

  it('keeps Go fmt error artefacts as they are', () => {
    const r = one(`${T} msg="x" cgroup="%!s(*v2.Manager=&{...})" name=containerd-shim-v2 pid=1 source=virtcontainers`);
    assert.equal(r.attributes['kata.field.cgroup'], '%!s(*v2.Manager=&{...})');
  });

  it('says which texts start like logfmt', () => {
    for (const s of ['time="x"', 'level=info', 'msg="x"', 'vmconsole="x"']) assert.equal(startsLikeLogfmt(s), true, s);
    for (const s of ['times are', 'lvl=info', '{"msg":1}', ' time="x"']) assert.equal(startsLikeLogfmt(s), false, s);
  });
});
