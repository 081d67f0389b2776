/**
 * The wrappers transport adds in front of a Kata record (guide section 3): journalctl short
 * prefixes (locale months included), `ident[pid]: `, RFC 5424 and RFC 3164 syslog, CI console
 * prefixes and Talos's syslog JSON. Lines are real fixture lines where a comment says so,
 * else built from the layouts in the guide.
 */
import assert from 'node:assert/strict';
import { peel, sameWriter } from '../../receiver/kata/envelope';
import { parseText } from '../../receiver/kata/parse-text';

const REF = Date.UTC(2026, 0, 15, 12, 0, 0);
const REC = 'time="2022-04-22T05:17:07.936888662Z" level=info msg="loaded configuration" name=containerd-shim-v2 pid=21060 sandbox=sb source=katautils';

function ns(y: number, mo: number, d: number, h: number, mi: number, s: number): string {
  return (BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n).toString();
}

describe('envelope: journalctl short output', () => {
  it('peels month, day, clock, host, identifier and pid', () => {
    const p = peel(`Apr 22 05:17:07 fedora kata[21060]: ${REC}`);
    assert.deepEqual(p.envelopes, ['journal-short']);
    assert.equal(p.host, 'fedora');
    assert.equal(p.identifier, 'kata');
    assert.equal(p.pid, 21060);
    assert.deepEqual(p.shortDate, [3, 22, '05:17:07']);
    assert.equal(p.time, '', 'a year-less date is resolved by the parser, which knows the reference clock');
    assert.equal(p.payload, REC);
    assert.ok(sameWriter(p, peel(`Apr 22 05:17:08 fedora kata[21060]: x`)), 'same host, identifier and pid');
    assert.ok(!sameWriter(p, peel(`Apr 22 05:17:07 fedora containerd[712]: ${REC}`)), 'another writer');
  });

  it('reads locale months: mar, 3月, 三 with two spaces, and a space-padded day', () => {
    const cases: Array<[string, number, number]> = [
      ['mar 15 03:06:00 testfc kata-runtime[94173]: x', 2, 15], // kata-containers/runtime#1373
      ['3月 22 14:11:05 cheer kata-proxy[8075]: x', 2, 22], // kata-containers/runtime#92
      ['12月 24 14:56:39 xxx kata[45233]: x', 11, 24], // kata-containers#3320
      ['三  21 18:08:59 node kubelet[1]: x', 2, 21], // NVIDIA/gpu-operator#1356
      ['Mar  3 10:00:00 host containerd[7]: x', 2, 3], // classic syslog file padding
    ];
    for (const [line, month, day] of cases) {
      const p = peel(line);
      assert.deepEqual(p.envelopes, ['journal-short'], line);
      assert.equal(p.shortDate?.[0], month, line);
      assert.equal(p.shortDate?.[1], day, line);
      assert.equal(p.payload, 'x', line);
    }
  });

  it('resolves the year from the reference clock', () => {
    const [r] = parseText('Apr 22 05:17:07 fedora kata[21060]: start to run', { refMillis: REF });
    assert.equal(r!.timeUnixNano, ns(2025, 4, 22, 5, 17, 7));
  });

  it('takes the year from the reference clock and the zone from a zoned time of the same stream', () => {
    // A journal prefix is local time; time= of the first record shows the host is at +08:00.
    const text = [
      'Aug 16 00:44:14 testhost kata[1]: time="2022-08-16T00:44:14.299955374+08:00" level=debug msg="a" name=containerd-shim-v2 pid=1 source=virtcontainers',
      'Aug 16 00:45:00 testhost kata[1]: plain text after it',
    ].join('\n');
    const [, second] = parseText(text, { refMillis: REF });
    assert.equal(second!.timeUnixNano, (BigInt(ns(2022, 8, 16, 0, 45, 0)) - 8n * 3_600_000_000_000n).toString());
  });

  it('does not take a line that only looks like a date', () => {
    assert.deepEqual(peel('Foo 22 05:17:07 host kata[1]: x').envelopes, []);
    assert.deepEqual(peel('Apr 22 05:17 host kata[1]: x').envelopes, []);
  });
});

describe('envelope: identifier only (date cut by the reporter)', () => {
  it('peels ident[pid]: ', () => {
    // runtime-rs.log line 14
    const p = peel('kata[2532213]: QMP not ready yet: qmp handshake failed');
    assert.deepEqual(p.envelopes, ['journal-ident']);
    assert.equal(p.identifier, 'kata');
    assert.equal(p.pid, 2532213);
    assert.equal(p.time, '');
    assert.equal(p.payload, 'QMP not ready yet: qmp handshake failed');
  });

  it('does not take JSON or logfmt for an identifier', () => {
    assert.deepEqual(peel('{"msg":"x[1]: y"}').envelopes, []);
    assert.deepEqual(peel(REC).envelopes, []);
  });
});

describe('envelope: syslog RFC 5424 (built from RFC 5424 section 6)', () => {
  it('peels PRI, version, time, host, app, procid, msgid, structured data and the BOM', () => {
    const line = `<30>1 2024-01-02T03:04:05.123456+01:00 node1 kata 1234 ID47 [meta sequenceId="1"][origin ip="10.0.0.1"] \ufeff${REC}`;
    const p = peel(line);
    assert.deepEqual(p.envelopes, ['syslog-rfc5424']);
    assert.equal(p.facility, 3);
    assert.equal(p.syslogSeverity, 6);
    assert.equal(p.time, (BigInt(ns(2024, 1, 2, 2, 4, 5)) + 123_456_000n).toString());
    assert.equal(p.host, 'node1');
    assert.equal(p.identifier, 'kata');
    assert.equal(p.pid, 1234);
    assert.equal(p.msgid, 'ID47');
    assert.equal(p.structuredData, '[meta sequenceId="1"][origin ip="10.0.0.1"]');
    assert.equal(p.payload, REC);
  });

  it('handles nil values and a ] escaped inside structured data', () => {
    const p = peel('<11>1 - - kata - - [x a="b\\]c"] start to run');
    assert.equal(p.time, '');
    assert.equal(p.host, '');
    assert.equal(p.pid, -1);
    assert.equal(p.structuredData, '[x a="b\\]c"]');
    assert.equal(p.payload, 'start to run');
  });

  it('gives the record the syslog severity when the payload has no level', () => {
    const [r] = parseText('<27>1 2024-01-02T03:04:05Z node1 kata 1234 - - start to run', { refMillis: REF });
    assert.equal(r!.severityNumber, 17);
    assert.equal(r!.severityText, 'err');
    assert.equal(r!.attributes['kata.component'], 'runtime-rs');
    assert.equal(r!.attributes['kata.syslog.facility'], 3);
    assert.equal(r!.timeUnixNano, ns(2024, 1, 2, 3, 4, 5));
  });

  it('lets the payload level win over the syslog severity', () => {
    const [r] = parseText(`<27>1 2024-01-02T03:04:05Z node1 kata 1234 - - ${REC}`, { refMillis: REF });
    assert.equal(r!.severityText, 'info');
  });
});

describe('envelope: syslog RFC 3164', () => {
  it('peels PRI, date, host, tag and pid (the SYSLOG_RAW of the Fluentd sample)', () => {
    // journal-json.log line 26 shows this SYSLOG_RAW: <6>Feb 21 10:31:27 kata-runtime[14314]: ...
    const p = peel('<6>Feb 21 10:31:27 kata-runtime[14314]: time="2020-02-21T10:31:27.810781647Z" level=info msg="release sandbox"');
    assert.deepEqual(p.envelopes, ['syslog-rfc3164']);
    assert.equal(p.facility, 0);
    assert.equal(p.syslogSeverity, 6);
    assert.equal(p.host, '');
    assert.equal(p.identifier, 'kata-runtime');
    assert.equal(p.pid, 14314);
    assert.deepEqual(p.shortDate, [1, 21, '10:31:27']);
  });

  it('reads a host when there is one, and a space-padded day', () => {
    const p = peel('<30>Feb  3 10:31:27 minikube kata[99]: QMP not ready yet');
    assert.equal(p.host, 'minikube');
    assert.equal(p.identifier, 'kata');
    assert.deepEqual(p.shortDate, [1, 3, '10:31:27']);
    assert.equal(p.payload, 'QMP not ready yet');
  });

  it('rejects a PRI above 191', () => {
    assert.deepEqual(peel('<192>Feb 21 10:31:27 host kata[1]: x').envelopes.includes('syslog-rfc3164'), false);
  });
});

describe('envelope: CI consoles', () => {
  it('peels a Jenkins/bats "HH:MM:SS # " prefix before a journal line', () => {
    // ci-wrapped.log line 4
    const p = peel(`13:44:30 # Feb 23 12:44:23 ubuntu20-da2a10 kata[107824]: ${REC}`);
    assert.deepEqual(p.envelopes, ['ci', 'journal-short']);
    assert.equal(p.identifier, 'kata');
    assert.equal(p.payload, REC);
  });

  it('peels a GitHub Actions timestamp prefix', () => {
    const p = peel(`2025-02-11T12:11:34.1020857Z # Feb 11 12:11:30 runner kata[7]: ${REC}`);
    assert.deepEqual(p.envelopes, ['ci', 'journal-short']);
    assert.equal(p.payload, REC);
  });

  it('leaves a bare logfmt record and a firecracker line alone', () => {
    assert.deepEqual(peel(REC).envelopes, []);
    assert.deepEqual(peel('2021-03-03T08:56:19.415168631 [anonymous-instance] vsock: raising IRQ').envelopes, []);
  });
});

describe('envelope: Talos syslog JSON', () => {
  // journal-json.log line 41 (with the reporter's "<obfuscated IP>: " prefix)
  const talos = '<obfuscated IP>: {"content": level=info msg=\\"Removing network after failure in createSandbox\\" name=containerd-shim-v2 pid=71424 sandbox=5d19 source=virtcontainers\\n","facility":0,"hostname":"localhost","priority":6,"severity":6,"tag":"kata",}';

  it('unwraps the unquoted content and reads the trailing fields', () => {
    const p = peel(talos);
    assert.deepEqual(p.envelopes, ['talos-json']);
    assert.equal(p.payload, 'level=info msg="Removing network after failure in createSandbox" name=containerd-shim-v2 pid=71424 sandbox=5d19 source=virtcontainers');
    assert.equal(p.identifier, 'kata');
    assert.equal(p.host, 'localhost');
    assert.equal(p.facility, 0);
    assert.equal(p.syslogSeverity, 6);
  });

  it('works without the pasted prefix', () => {
    const p = peel(talos.slice('<obfuscated IP>: '.length));
    assert.deepEqual(p.envelopes, ['talos-json']);
    assert.equal(p.identifier, 'kata');
  });
});
