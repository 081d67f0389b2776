/**
 * The syslog receiver on loopback with real UDP, TCP and TLS clients: RFC 5424 and 3164,
 * octet counting and newline framing, garbage on the port, TLS and mutual TLS, and
 * backpressure that holds TCP senders and counts UDP drops.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { Component } from '../../../component/component';
import { eventually, MemoryTelemetry, SinkConsumer, TestHost } from '../../../receiver/helper/testing';
import { parseText } from '../../../receiver/kata/parse-text';
import { hasValidPri, syslogReceiverFactory, SyslogFramer } from '../../../receiver/syslog';
import type { SyslogReceiver } from '../../../receiver/syslog';

const FIXTURES = path.resolve(__dirname, '../../../../test/receiver/syslog/fixtures');
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const M5424 = '<134>1 2026-01-15T12:00:00.123456Z kata-node-1 kata 4242 - [origin ip="127.0.0.1"] time="2026-01-15T12:00:00.123456789Z" level=info msg="container started" name=containerd-shim-v2 pid=4242 source=virtcontainers';
const M3164 = '<30>Jan 15 12:00:00 kata-node-1 kata[4242]: time="2026-01-15T12:00:00.5Z" level=warning msg="vCPU hotplug slow" name=containerd-shim-v2 pid=4242 source=virtcontainers';
const seqMsg = (i: number): string => `<134>1 2026-01-15T12:00:00Z kata-node-1 kata 4242 - - time="2026-01-15T12:00:00Z" level=info msg="event" seq=${i}`;

describe('syslog framing', () => {
  function frames(chunks: Array<string | Buffer>, max = 1024): { messages: string[]; problems: string[] } {
    const messages: string[] = [];
    const problems: string[] = [];
    const f = new SyslogFramer(max, {
      message: (m) => messages.push(m.toString('utf8')),
      problem: (k, fatal) => problems.push(fatal ? `${k}!` : k),
    });
    for (const c of chunks) f.push(typeof c === 'string' ? Buffer.from(c) : c);
    f.end();
    return { messages, problems };
  }

  it('reads octet-counted frames split at every byte', () => {
    const stream = `${Buffer.byteLength(M5424)} ${M5424}${Buffer.byteLength(M3164)} ${M3164}`;
    const r = frames([...Buffer.from(stream)].map((b) => Buffer.from([b])));
    assert.deepEqual(r, { messages: [M5424, M3164], problems: [] });
  });

  it('reads LF, CRLF and NUL trailers, a last message without one, and mixed framing', () => {
    const r = frames([`${M3164}\r\n<13>one\n`, `<14>two\0`, `5 <1>x3`, `<15>three`]);
    assert.deepEqual(r.messages, [M3164, '<13>one', '<14>two', '<1>x3', '<15>three']);
    assert.deepEqual(r.problems, []);
  });

  it('skips garbage up to the next trailer and reads on', () => {
    const r = frames(['GET / HTTP/1.1\r\nHost: x\r\n\r\n', '\x16\x03\x01\x02\x00junk\n', `${M5424}\n`]);
    assert.deepEqual(r.messages, [M5424]);
    // Two HTTP lines, the binary run up to its NUL, and what follows it up to the LF.
    assert.deepEqual(r.problems, ['garbage', 'garbage', 'garbage', 'garbage']);
  });

  it('ends the stream on an octet count over the limit or not followed by a space', () => {
    assert.deepEqual(frames([`99999999999 ${M5424}`, `${M5424}\n`]), { messages: [], problems: ['too_large!'] });
    assert.deepEqual(frames(['12x34 <1>a\n']), { messages: [], problems: ['bad_length!'] });
  });

  it('drops an unterminated frame over the limit, and reports a frame cut by the close', () => {
    assert.deepEqual(frames([`<1>${'a'.repeat(600)}`, `${'b'.repeat(600)}\n<2>ok\n`], 1000), { messages: ['<2>ok'], problems: ['too_large'] });
    assert.deepEqual(frames(['50 <1>only part']), { messages: [], problems: ['truncated'] });
  });

  it('accepts PRI 0 to 191 only', () => {
    for (const ok of ['<0>a', '<191>a', '<13>Jan  1 x']) assert.equal(hasValidPri(Buffer.from(ok)), true, ok);
    for (const bad of ['<192>a', '<>a', '<00>a', '<1234>a', 'x<1>', '<1', '']) assert.equal(hasValidPri(Buffer.from(bad)), false, bad);
  });
});

describe('syslog receiver', function () {
  this.timeout(30_000);
  const running: Component[] = [];
  const clients: Array<{ destroy(): void }> = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const r of running.splice(0)) await r.shutdown();
  });

  async function start(raw: Record<string, unknown> = {}, sink = new SinkConsumer()) {
    const config = syslogReceiverFactory.schema.parse({
      udp: { endpoint: '127.0.0.1:0' },
      tcp: { endpoint: '127.0.0.1:0', ...((raw['tcp'] as object | undefined) ?? {}) },
      ...Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'tcp')),
    });
    const telemetry = new MemoryTelemetry();
    const host = new TestHost(telemetry);
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kata-otel-syslog-'));
    const receiver = syslogReceiverFactory.createLogs!({ id: { type: 'syslog', name: 'test' }, telemetry, storageDir }, config, sink) as Component as SyslogReceiver;
    await receiver.start(host);
    running.push(receiver);
    const a = receiver.addresses();
    return { receiver, sink, host, telemetry, udpPort: a.udp?.port ?? 0, tcpPort: a.tcp?.port ?? 0 };
  }

  async function sendUdp(port: number, messages: Array<string | Buffer>): Promise<void> {
    const s = dgram.createSocket('udp4');
    for (const m of messages) await new Promise<void>((resolve, reject) => s.send(m, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    s.close();
  }

  function connectTcp(port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
      clients.push(s);
    });
  }

  const octets = (m: string): string => `${Buffer.byteLength(m)} ${m}`;

  it('shuts down without start and twice; a taken port fails start with the endpoint named', async () => {
    const idle = syslogReceiverFactory.createLogs!({ id: { type: 'syslog', name: 'x' }, telemetry: new MemoryTelemetry(), storageDir: os.tmpdir() }, syslogReceiverFactory.schema.parse({}), new SinkConsumer());
    await idle.shutdown();
    await idle.shutdown();
    const first = await start();
    const config = syslogReceiverFactory.schema.parse({ udp: { enabled: false }, tcp: { endpoint: `127.0.0.1:${first.tcpPort}` } });
    const second = syslogReceiverFactory.createLogs!({ id: { type: 'syslog', name: 'y' }, telemetry: new MemoryTelemetry(), storageDir: os.tmpdir() }, config, new SinkConsumer());
    await assert.rejects(second.start(new TestHost()), /cannot listen on tcp 127\.0\.0\.1:\d+/);
    await second.shutdown();
    await first.receiver.shutdown();
    await first.receiver.shutdown();
  });

  it('listens on loopback 5514 by default and rejects unknown keys', () => {
    const c = syslogReceiverFactory.schema.parse({});
    assert.equal(c.udp.endpoint, '127.0.0.1:5514');
    assert.equal(c.tcp.endpoint, '127.0.0.1:5514');
    assert.equal(c.tcp.tls, undefined);
    assert.equal(syslogReceiverFactory.schema.safeParse({ port: 514 }).success, false);
    assert.equal(syslogReceiverFactory.schema.safeParse({ udp: { endpoint: 'nowhere' } }).success, false);
    assert.deepEqual(syslogReceiverFactory.validate!({ ...c, udp: { ...c.udp, enabled: false }, tcp: { ...c.tcp, enabled: false } }).length, 1);
  });

  it('UDP: RFC 5424 and RFC 3164 datagrams become raw records the parser reads', async () => {
    const { sink, udpPort } = await start();
    await sendUdp(udpPort, [M5424, `${M3164}\n`]);
    await sink.waitFor(2);
    const [a, b] = sink.records;
    assert.equal(a!.body, M5424);
    assert.equal(b!.body, M3164);
    assert.equal(a!.attributes['network.peer.address'], '127.0.0.1');
    assert.equal(a!.attributes['network.transport'], 'udp');
    assert.equal(typeof a!.attributes['network.peer.port'], 'number');
    assert.equal(a!.attributes['kata.log.format'], undefined);
    const [p5424] = parseText(a!.body + '\n');
    assert.deepEqual(p5424!.attributes['kata.log.envelope'], ['syslog-rfc5424']);
    assert.equal(p5424!.body, 'container started');
    const [p3164] = parseText(b!.body + '\n');
    assert.deepEqual(p3164!.attributes['kata.log.envelope'], ['syslog-rfc3164']);
    assert.equal(p3164!.severityText, 'warning');
  });

  it('TCP: octet counting and newline framing on separate connections, split anywhere', async () => {
    const { sink, tcpPort } = await start();
    const counted = await connectTcp(tcpPort);
    const stream = Buffer.from(Array.from({ length: 50 }, (_, i) => octets(seqMsg(i + 1))).join(''));
    for (let i = 0; i < stream.length; i += 37) {
      counted.write(stream.subarray(i, i + 37));
      if (i % 370 === 0) await delay(1);
    }
    const lf = await connectTcp(tcpPort);
    lf.write(Array.from({ length: 50 }, (_, i) => `${seqMsg(i + 51)}\n`).join(''));
    lf.end(`${M3164}\r\n`);
    await sink.waitFor(101);
    const bodies = sink.bodies();
    for (let i = 1; i <= 100; i++) assert.equal(bodies.filter((b) => b === seqMsg(i)).length, 1, `seq ${i}`);
    assert.ok(bodies.includes(M3164));
    assert.equal(sink.records[0]!.attributes['network.transport'], 'tcp');
  });

  it('garbage on the port is counted and logged once per peer; valid messages around it arrive; nothing crashes', async () => {
    const { sink, tcpPort, udpPort, receiver, host, telemetry } = await start();
    const s = await connectTcp(tcpPort);
    s.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    s.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x0a]));
    s.write(`${M5424}\n`);
    s.write('no pri here\n');
    s.write(`${octets(M3164)}`);
    for (let i = 0; i < 20; i++) s.write(`junk line ${i}\n`);
    s.write(`${M5424}\n`);
    await sendUdp(udpPort, ['garbage datagram', Buffer.from([0xff, 0x00, 0xfe]), '<999>bad pri', M3164]);
    await sink.waitFor(4);
    await delay(100);
    assert.deepEqual(sink.bodies().sort(), [M3164, M3164, M5424, M5424].sort());
    assert.ok(receiver.metrics.count('invalid_messages') >= 25);
    const warnings = telemetry.lines.filter((l) => l.level === 'warn' && l.fields?.['peer'] === '127.0.0.1');
    assert.ok(warnings.length <= 3, `logged ${warnings.length} times for one peer`);
    assert.deepEqual(host.fatal, []);
  });

  it('closes a connection that announces a frame over max_message_size, counts it, and keeps serving others', async () => {
    const { sink, tcpPort, receiver } = await start({ max_message_size: 1024 });
    const bad = await connectTcp(tcpPort);
    const closed = new Promise<void>((resolve) => bad.on('close', () => resolve()));
    bad.on('error', () => undefined);
    bad.write(`999999 ${M5424}`);
    await closed;
    assert.equal(receiver.metrics.count('too_large'), 1);
    const good = await connectTcp(tcpPort);
    good.write(`${M5424}\n`);
    await sink.waitFor(1);
    await sendUdp((receiver.addresses().udp!).port, ['<1>' + 'x'.repeat(2000)]);
    await eventually(() => receiver.metrics.count('too_large') === 2, 'oversized datagram counted');
  });

  it('TLS: octet-counted messages over TLS, and mutual TLS refuses a client without a certificate', async () => {
    const tlsConf = { cert_file: path.join(FIXTURES, 'server.crt'), key_file: path.join(FIXTURES, 'server.key') };
    const ca = fs.readFileSync(path.join(FIXTURES, 'ca.crt'));
    const plain = await start({ tcp: { tls: tlsConf } });
    const c1 = tls.connect({ host: '127.0.0.1', port: plain.tcpPort, ca, servername: 'localhost' });
    clients.push(c1);
    await new Promise<void>((resolve, reject) => c1.once('secureConnect', () => resolve()).once('error', reject));
    c1.write(octets(M5424) + octets(M3164));
    await plain.sink.waitFor(2);
    assert.deepEqual(plain.sink.bodies(), [M5424, M3164]);

    const mutual = await start({ tcp: { tls: { ...tlsConf, client_ca_file: path.join(FIXTURES, 'ca.crt'), min_version: '1.3' } } });
    const anon = tls.connect({ host: '127.0.0.1', port: mutual.tcpPort, ca, servername: 'localhost' });
    clients.push(anon);
    anon.on('error', () => undefined);
    anon.write(octets(M5424));
    await eventually(() => anon.destroyed || mutual.receiver.metrics.count('tls_errors') > 0, 'client without certificate refused');
    const withCert = tls.connect({
      host: '127.0.0.1', port: mutual.tcpPort, ca, servername: 'localhost',
      cert: fs.readFileSync(path.join(FIXTURES, 'client.crt')), key: fs.readFileSync(path.join(FIXTURES, 'client.key')),
    });
    clients.push(withCert);
    await new Promise<void>((resolve, reject) => withCert.once('secureConnect', () => resolve()).once('error', reject));
    withCert.write(octets(M3164));
    await mutual.sink.waitFor(1);
    await delay(100);
    assert.deepEqual(mutual.sink.bodies(), [M3164]);
  });

  it('backpressure: TCP senders are held while the next stage refuses, UDP drops are counted, then all TCP messages arrive in order', async () => {
    const sink = new SinkConsumer();
    sink.refuse = true;
    const { receiver, tcpPort, udpPort } = await start({ max_buffered: 200, max_batch: 50 }, sink);
    const s = await connectTcp(tcpPort);
    // Write until the socket pushes back: the receiver stopped reading and the kernel's
    // buffers on both ends filled up (some MB on loopback), bounded at 400,000 messages.
    const LIMIT = 400_000;
    let written = 0;
    let blocked = false;
    while (!blocked && written < LIMIT) {
      const ok = s.write(octets(seqMsg(++written)));
      if (!ok) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            blocked = true;
            resolve();
          }, 300);
          s.once('drain', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
    assert.equal(blocked, true, 'the sender was held back');
    assert.ok(receiver.isPaused);
    assert.ok(receiver.buffered < 200 + 2000, `buffer bounded, holds ${receiver.buffered}`);
    assert.equal(sink.records.length, 0);
    await sendUdp(udpPort, [M5424, M5424, M5424]);
    await eventually(() => receiver.metrics.count('udp_dropped') === 3, 'udp drops counted');

    sink.refuse = false;
    const N = written + 1000;
    const rest = (async () => {
      for (let i = written + 1; i <= N; i++) {
        if (!s.write(octets(seqMsg(i)))) await new Promise<void>((resolve) => s.once('drain', () => resolve()));
      }
    })();
    await rest;
    await sink.waitFor(N, 20_000);
    const seqs = sink.bodies().map((b) => Number(/seq=(\d+)$/.exec(b)![1]));
    assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => i + 1));
    assert.equal(receiver.isPaused, false);
    assert.ok(receiver.metrics.count('retried') > 0);
  });
});
