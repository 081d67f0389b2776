import assert from 'node:assert/strict';
import { parseText } from '../../receiver/kata/parse-text';

const utc = (iso: string): string => (BigInt(Date.parse(iso)) * 1_000_000n).toString();

describe('year and zone of journal short dates', () => {
  const ref = { refMillis: Date.parse('2026-11-27T00:00:00Z') };

  it('keeps the year of an earlier full timestamp for later year-less dates', () => {
    // examples/kata-node.log: a virtiofsd journal line after 2021-03-03 firecracker records.
    const [, later] = parseText(
      [
        'time="2021-03-03T08:18:42.052944094Z" level=error msg="getting vm status failed" source=virtcontainers subsystem=firecracker',
        'Mar 29 17:05:28 test virtiofsd[184280]: [ID: 00184280] virtio_session_mount: Waiting for vhost-user socket connection...',
      ].join('\n'),
      ref,
    );
    assert.equal(later!.timeUnixNano, utc('2021-03-29T17:05:28Z'));
  });

  it('without a timestamp in the log, never dates a line after the reference clock', () => {
    const [r] = parseText('Dec 15 19:55:10 pek001 kata[3170169]: start to run', ref);
    assert.equal(r!.timeUnixNano, utc('2025-12-15T19:55:10Z'));
  });

  it('learns the UTC offset per host, not across hosts', () => {
    const records = parseText(
      [
        // zbb-pc writes +08:00 times; its journal prefix is local time.
        'Aug 31 21:24:02 zbb-pc kata[27857]: time="2021-08-31T21:24:02.858452657+08:00" level=info msg="loaded configuration" name=containerd-shim-v2 pid=27857 source=katautils',
        'Aug 31 21:24:03 zbb-pc kata[27857]: plain text from the same host',
        'Aug 31 21:24:03 mymachine systemd-journald[346]: Suppressed 4150 messages from /system.slice/docker.service',
      ].join('\n'),
      ref,
    );
    assert.equal(records[1]!.timeUnixNano, utc('2021-08-31T13:24:03Z'), 'same host: the +08:00 offset applies');
    assert.equal(records[2]!.timeUnixNano, utc('2021-08-31T21:24:03Z'), 'another host: no offset learnt, read as UTC');
  });
});
