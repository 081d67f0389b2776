import assert from 'node:assert/strict';
import { base64offset, windash } from '../../../processors/sigma/modifiers';
import { matches, record } from './helpers';

const sel = (item: Record<string, unknown>): unknown => ({ selection: item, condition: 'selection' });
const body = (text: string, attrs: Record<string, string | number | boolean | string[]> = {}) => record(attrs, text);

describe('sigma value matching', () => {
  it('is case-insensitive by default and exact without modifiers', () => {
    assert.equal(matches(sel({ body: 'ExecProcess' }), body('execprocess')), true);
    assert.equal(matches(sel({ body: 'ExecProcess' }), body('execprocess request')), false);
  });

  it('ANDs the keys of a map and ORs the values of a list', () => {
    const d = sel({ 'kata.component': 'agent', body: ['a', 'b'] });
    assert.equal(matches(d, body('b', { 'kata.component': 'agent' })), true);
    assert.equal(matches(d, body('c', { 'kata.component': 'agent' })), false);
    assert.equal(matches(d, body('a', { 'kata.component': 'runtime' })), false);
  });

  it('ORs a list of maps', () => {
    const d = { selection: [{ body: 'a' }, { 'kata.component': 'agent' }], condition: 'selection' };
    assert.equal(matches(d, body('a')), true);
    assert.equal(matches(d, body('z', { 'kata.component': 'agent' })), true);
    assert.equal(matches(d, body('z')), false);
  });

  it('matches keyword lists anywhere in the body, ORed, and ANDed with |all', () => {
    assert.equal(matches({ keywords: ['panic', 'oops'], condition: 'keywords' }, body('Kernel PANIC here')), true);
    assert.equal(matches({ keywords: ['panic', 'oops'], condition: 'keywords' }, body('fine')), false);
    const all = { keywords: { '|all': ['kernel', 'panic'] }, condition: 'keywords' };
    assert.equal(matches(all, body('kernel panic')), true);
    assert.equal(matches(all, body('kernel ok')), false);
  });

  it('matches null only when the field is absent', () => {
    const d = sel({ 'kata.sandbox.id': null });
    assert.equal(matches(d, body('x')), true);
    assert.equal(matches(d, body('x', { 'kata.sandbox.id': '' })), false);
    assert.equal(matches(d, body('x', { 'kata.sandbox.id': 'abc' })), false);
  });

  it("matches '' only on an empty value", () => {
    assert.equal(matches(sel({ 'kata.sandbox.id': '' }), body('x', { 'kata.sandbox.id': '' })), true);
    assert.equal(matches(sel({ 'kata.sandbox.id': '' }), body('x')), false);
  });

  it('compares numbers and booleans as text', () => {
    assert.equal(matches(sel({ 'process.pid': 1234 }), body('x', { 'process.pid': 1234 })), true);
    assert.equal(matches(sel({ 'kata.flag': true }), body('x', { 'kata.flag': true })), true);
  });

  it('matches a string array field when one element matches', () => {
    assert.equal(matches(sel({ 'kata.log.envelope': 'journal-short' }), body('x', { 'kata.log.envelope': ['ci', 'journal-short'] })), true);
    assert.equal(matches(sel({ 'kata.log.envelope': 'syslog' }), body('x', { 'kata.log.envelope': ['ci'] })), false);
  });

  it('reads severityText, resource attributes and the record over the resource', () => {
    const r = record({ 'service.name': 'mine' }, 'x', { severityText: 'ERROR', resource: { 'host.name': 'node1', 'service.name': 'res' } });
    assert.equal(matches(sel({ severityText: 'error', 'host.name': 'NODE1' }), r), true);
    assert.equal(matches(sel({ 'service.name': 'mine' }), r), true);
  });
});

describe('sigma modifiers', () => {
  it('contains, startswith, endswith', () => {
    assert.equal(matches(sel({ 'body|contains': 'debug' }), body('the Debug console')), true);
    assert.equal(matches(sel({ 'body|startswith': 'the' }), body('The debug console')), true);
    assert.equal(matches(sel({ 'body|startswith': 'debug' }), body('the debug console')), false);
    assert.equal(matches(sel({ 'body|endswith': 'CONSOLE' }), body('the debug console')), true);
    assert.equal(matches(sel({ 'body|endswith': 'debug' }), body('the debug console')), false);
  });

  it('all turns a value list into an AND', () => {
    const d = sel({ 'body|contains|all': ['debug', 'console'] });
    assert.equal(matches(d, body('debug console on')), true);
    assert.equal(matches(d, body('debug shell on')), false);
  });

  it('cased makes the match case-sensitive', () => {
    assert.equal(matches(sel({ 'body|contains|cased': 'Exec' }), body('ExecProcess')), true);
    assert.equal(matches(sel({ 'body|contains|cased': 'Exec' }), body('execprocess')), false);
  });

  it('re is case-sensitive, with i, m and s sub-modifiers', () => {
    assert.equal(matches(sel({ 'body|re': 'Exec[A-Z]' }), body('xExecProcess')), true);
    assert.equal(matches(sel({ 'body|re': 'exec[a-z]' }), body('ExecProcess')), false);
    assert.equal(matches(sel({ 'body|re|i': 'exec[a-z]' }), body('ExecProcess')), true);
    assert.equal(matches(sel({ 'body|re': '^second' }), body('first\nsecond')), false);
    assert.equal(matches(sel({ 'body|re|m': '^second$' }), body('first\nsecond')), true);
    assert.equal(matches(sel({ 'body|re': 'first.second' }), body('first\nsecond')), false);
    assert.equal(matches(sel({ 'body|re|s': 'first.second' }), body('first\nsecond')), true);
  });

  it('cidr matches IPv4 and IPv6 subnets', () => {
    const d = sel({ 'network.peer.address|cidr': ['10.0.0.0/8', 'fd00::/8'] });
    assert.equal(matches(d, body('x', { 'network.peer.address': '10.1.2.3' })), true);
    assert.equal(matches(d, body('x', { 'network.peer.address': '192.168.1.1' })), false);
    assert.equal(matches(d, body('x', { 'network.peer.address': 'fd12::1' })), true);
    assert.equal(matches(d, body('x', { 'network.peer.address': 'not an ip' })), false);
  });

  it('exists checks presence only', () => {
    assert.equal(matches(sel({ 'kata.sandbox.id|exists': true }), body('x', { 'kata.sandbox.id': '' })), true);
    assert.equal(matches(sel({ 'kata.sandbox.id|exists': true }), body('x')), false);
    assert.equal(matches(sel({ 'kata.sandbox.id|exists': false }), body('x')), true);
  });

  it('gt, gte, lt, lte compare numbers (numeric strings too)', () => {
    const r = body('x', { 'process.pid': 100, 'kata.guest.uptime': '2.5' });
    assert.equal(matches(sel({ 'process.pid|gt': 99 }), r), true);
    assert.equal(matches(sel({ 'process.pid|gt': 100 }), r), false);
    assert.equal(matches(sel({ 'process.pid|gte': 100 }), r), true);
    assert.equal(matches(sel({ 'process.pid|lt': 100 }), r), false);
    assert.equal(matches(sel({ 'process.pid|lte': 100 }), r), true);
    assert.equal(matches(sel({ 'kata.guest.uptime|lt': 3 }), r), true);
    assert.equal(matches(sel({ 'kata.sandbox.id|gt': 1 }), body('x', { 'kata.sandbox.id': 'abc' })), false);
  });

  it('base64 matches the encoded value, case-sensitively', () => {
    const enc = Buffer.from('/bin/bash').toString('base64');
    assert.equal(matches(sel({ 'body|base64|contains': '/bin/bash' }), body(`echo ${enc} | base64 -d`)), true);
    assert.equal(matches(sel({ 'body|base64|contains': '/bin/bash' }), body(`echo ${enc.toLowerCase()}`)), false);
  });

  it('base64offset finds the value at any offset of a longer encoded text', () => {
    assert.deepEqual(base64offset('/bin/bash'), ['L2Jpbi9iYXNo', '9iaW4vYmFza', 'vYmluL2Jhc2']);
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      const enc = Buffer.from(`${prefix}/bin/bash -c id`).toString('base64');
      assert.equal(matches(sel({ 'body|base64offset|contains': '/bin/bash' }), body(enc)), true, prefix);
    }
  });

  it('windash tries every dash character', () => {
    assert.deepEqual(windash('-debug', 'k'), ['-debug', '/debug', '\u2013debug', '\u2014debug', '\u2015debug']);
    assert.deepEqual(windash('kata-runtime', 'k'), ['kata-runtime']);
    const d = sel({ 'body|windash|contains': ' -enable-debug' });
    assert.equal(matches(d, body('kata-runtime /enable-debug')), true);
    assert.equal(matches(d, body('kata-runtime \u2014enable-debug')), true);
    assert.equal(matches(d, body('kata-runtime enable-debug')), false);
  });

  it('fieldref compares two fields of the record', () => {
    const d = sel({ 'kata.relay.component|fieldref': 'kata.component' });
    assert.equal(matches(d, body('x', { 'kata.component': 'Agent', 'kata.relay.component': 'agent' })), true);
    assert.equal(matches(d, body('x', { 'kata.component': 'agent', 'kata.relay.component': 'runtime' })), false);
    assert.equal(matches(d, body('x', { 'kata.relay.component': 'runtime' })), false);
    const c = sel({ 'body|fieldref|contains': 'container.id' });
    assert.equal(matches(c, body('killing c1 now', { 'container.id': 'c1' })), true);
    const cased = sel({ 'kata.relay.component|fieldref|cased': 'kata.component' });
    assert.equal(matches(cased, body('x', { 'kata.component': 'Agent', 'kata.relay.component': 'agent' })), false);
  });

  it('expand replaces placeholders with configured values (wildcards allowed)', () => {
    const d = sel({ 'k8s.namespace.name|expand': '%admin_namespaces%' });
    const opts = { placeholders: { admin_namespaces: ['kube-system', 'ci-*'] } };
    assert.equal(matches(d, body('x', { 'k8s.namespace.name': 'kube-system' }), opts), true);
    assert.equal(matches(d, body('x', { 'k8s.namespace.name': 'ci-42' }), opts), true);
    assert.equal(matches(d, body('x', { 'k8s.namespace.name': 'default' }), opts), false);
    const escaped = sel({ 'body|expand|contains': '100\\% of %what%' });
    assert.equal(matches(escaped, body('used 100% of memory'), { placeholders: { what: ['memory'] } }), true);
  });
});
