import assert from 'node:assert/strict';
import { parseText } from '../../receiver/kata/parse-text';

describe('parser smoke', () => {
  it('turns a Go shim logfmt line into a runtime record', () => {
    const [r] = parseText(
      'time="2021-07-14T07:58:19.050702245-07:00" level=debug msg="restore sandbox failed" name=containerd-shim-v2 pid=120985 sandbox=test_kata source=virtcontainers subsystem=sandbox',
    );
    assert.ok(r);
    assert.equal(r.timeUnixNano, '1626274699050702245');
    assert.equal(r.severityNumber, 5);
    assert.equal(r.attributes['kata.component'], 'runtime');
    assert.equal(r.attributes['kata.sandbox.id'], 'test_kata');
  });
});
