import assert from 'node:assert/strict';
import { parseText } from '../../receiver/kata/parse-text';
import { KataParser } from '../../receiver/kata/parser';
import { Recombiner } from '../../receiver/kata/recombine';

// kata-containers/kata-containers#4130: the same Go shim record under kata[shim pid] and containerd[containerd pid].
const REC =
  'time="2022-04-22T05:17:07.936888662Z" level=info msg="loaded configuration" file=/usr/share/kata-containers/defaults/configuration.toml format=TOML name=containerd-shim-v2 pid=21060 sandbox=3a0b9ebe70d0932d6d1d4e6841ba2ec9a7f9d001f531be6261392dcd6e2ffd1b source=katautils';
const NO_PID = REC.replace(' pid=21060', '');

describe('journal twins of Go shim records', () => {
  it('gives the second copy the same record with its own envelope', () => {
    const [a, b] = parseText(`Apr 22 05:17:07 fedora kata[21060]: ${NO_PID}\nApr 22 05:17:07 fedora containerd[712]: ${NO_PID}`, { original: true });
    assert.ok(a && b);
    assert.equal(b.body, a.body);
    assert.equal(b.timeUnixNano, a.timeUnixNano);
    assert.equal(b.severityNumber, a.severityNumber);
    assert.equal(b.attributes['kata.sandbox.id'], a.attributes['kata.sandbox.id']);
    assert.equal(b.attributes['kata.component'], 'runtime');
    assert.equal(a.attributes['kata.log.identifier'], 'kata');
    assert.equal(b.attributes['kata.log.identifier'], 'containerd');
    assert.equal(a.attributes['process.pid'], 21060, 'pid from the envelope when the record has none');
    assert.equal(b.attributes['process.pid'], 712);
    assert.equal(b.attributes['kata.log.line_number'], 2);
    assert.ok(String(b.attributes['log.record.original']).startsWith('Apr 22 05:17:07 fedora containerd[712]: '));
    assert.equal(b.resource, a.resource);
  });

  it('keeps the record\'s own pid in both copies', () => {
    const [a, b] = parseText(`Apr 22 05:17:07 fedora kata[21060]: ${REC}\nApr 22 05:17:07 fedora containerd[712]: ${REC}`);
    assert.equal(a!.attributes['process.pid'], 21060);
    assert.equal(b!.attributes['process.pid'], 21060);
  });

  it('is not affected by changes made to the first copy downstream', () => {
    const expected = parseText(`Apr 22 05:17:07 fedora containerd[712]: ${REC}`)[0]!;
    const parser = new KataParser();
    const rc = new Recombiner();
    rc.push(`Apr 22 05:17:07 fedora kata[21060]: ${REC}`, 1);
    const first = parser.parse(rc.push(`Apr 22 05:17:07 fedora containerd[712]: ${REC}`, 2)!, '1');
    // A processor redacts the first copy before the second one is parsed.
    first.attributes['kata.sandbox.id'] = 'REDACTED';
    first.body = 'REDACTED';
    const second = parser.parse(rc.flush()!, '1');
    assert.equal(second.body, expected.body);
    assert.equal(second.attributes['kata.sandbox.id'], expected.attributes['kata.sandbox.id']);
  });

  it('parses again when the host differs', () => {
    const [, b] = parseText(`Apr 22 05:17:07 fedora kata[21060]: ${REC}\nApr 22 05:17:07 other containerd[712]: ${REC}`);
    assert.equal(b!.resource['host.name'], 'other');
  });
});
