/**
 * The `syslog` receiver: listens on UDP and TCP (optionally TLS) and hands each message
 * on as a raw record, body = the message text as sent (PRI, header, structured data and
 * MSG; the kata_parser processor peels RFC 5424 and 3164 envelopes), with the peer's
 * address as attributes.
 *
 * A message must at least start with a valid `<PRI>` (0–191); anything else on the port
 * (a port scan, an HTTP request, TLS to the plain port, binary junk) is counted as
 * invalid and logged once per peer address, never a crash, and the valid messages around
 * it still arrive.
 *
 * Flow control: records wait in one bounded in-memory buffer and are delivered in
 * batches, one batch at a time. While the next stage refuses, or when the buffer reaches
 * `max_buffered`, every TCP socket is paused (the kernel's buffers fill and senders
 * block) and UDP datagrams are dropped and counted (UDP cannot push back). Syslog has no
 * acknowledgements, so what the buffer holds when the process dies is lost; the buffer is
 * kept small for that reason and drained (for up to 5 s) at shutdown.
 */
import * as dgram from 'node:dgram';
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Component, Host } from '../../component/component';
import { formatComponentId } from '../../component/component';
import { KataOtelError } from '../../component/errors';
import type { CreateSettings } from '../../component/factory';
import type { LogsConsumer } from '../../consumer/consumer';
import type { Attributes, LogRecord } from '../../pdata/log-record';
import { nowNanos } from '../../pdata/time';
import { parseEndpoint } from '../helper/config-units';
import { deliver, DeliveryAborted } from '../helper/delivery';
import { ReceiverMetrics } from '../helper/metrics';
import { rawRecord, staticResource } from '../helper/raw-record';
import type { SyslogConfig } from './config';
import type { FrameProblem } from './framing';
import { hasValidPri, SyslogFramer } from './framing';

/** Attribute keys for the peer (OpenTelemetry network conventions). */
export const PEER_ADDRESS = 'network.peer.address';
export const PEER_PORT = 'network.peer.port';
export const TRANSPORT = 'network.transport';

export class SyslogReceiver implements Component {
  readonly metrics: ReceiverMetrics;
  private readonly resource;
  private readonly abort = new AbortController();
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private buffer: LogRecord[] = [];
  private pumping: Promise<void> | undefined;
  private refusing = false;
  private paused = false;
  private stopping = false;
  private started = false;
  private readonly warnedPeers = new Set<string>();
  private host: Host | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: SyslogConfig,
    private readonly next: LogsConsumer,
  ) {
    this.metrics = new ReceiverMetrics(settings.telemetry, formatComponentId(settings.id));
    this.resource = staticResource(config.resource);
  }

  async start(host: Host): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.host = host;
    try {
      if (this.config.udp.enabled) await this.listenUdp();
      if (this.config.tcp.enabled) await this.listenTcp();
    } catch (err) {
      await this.closeListeners();
      throw err;
    }
  }

  /** Bound addresses (a configured port 0 gets an ephemeral one). */
  addresses(): { udp?: { address: string; port: number }; tcp?: { address: string; port: number } } {
    const out: { udp?: { address: string; port: number }; tcp?: { address: string; port: number } } = {};
    if (this.udp !== undefined) {
      const a = this.udp.address();
      out.udp = { address: a.address, port: a.port };
    }
    const t = this.tcp?.address();
    if (t !== undefined && t !== null && typeof t === 'object') out.tcp = { address: t.address, port: t.port };
    return out;
  }

  /** Records waiting in memory. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** True while TCP sockets are paused. */
  get isPaused(): boolean {
    return this.paused;
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.closeListeners();
    // Drain what was received (no source can resend it), for at most 5 s.
    const deadline = setTimeout(() => this.abort.abort(), 5000);
    try {
      this.pump();
      while (this.pumping !== undefined) await this.pumping.catch(() => undefined);
    } finally {
      clearTimeout(deadline);
      this.abort.abort();
    }
    if (this.buffer.length > 0) {
      this.metrics.event('dropped_at_shutdown', this.buffer.length);
      this.metrics.logger.error('syslog: records not delivered before shutdown were dropped', { receiver: this.metrics.receiver, records: this.buffer.length });
      this.buffer = [];
    }
  }

  private async closeListeners(): Promise<void> {
    const waits: Array<Promise<void>> = [];
    if (this.udp !== undefined) {
      const u = this.udp;
      this.udp = undefined;
      waits.push(new Promise((resolve) => u.close(() => resolve())));
    }
    if (this.tcp !== undefined) {
      const t = this.tcp;
      this.tcp = undefined;
      waits.push(new Promise((resolve) => t.close(() => resolve())));
    }
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(waits);
  }

  private listenUdp(): Promise<void> {
    const ep = parseEndpoint(this.config.udp.endpoint)!;
    const sock = dgram.createSocket({ type: net.isIPv6(ep.host) ? 'udp6' : 'udp4' });
    this.udp = sock;
    sock.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    return new Promise((resolve, reject) => {
      sock.once('error', (err) => reject(new KataOtelError('KO_ERR_SYSLOG_LISTEN', `syslog: cannot listen on udp ${this.config.udp.endpoint}: ${err.message}`, { cause: err })));
      sock.bind(ep.port, ep.host, () => {
        sock.removeAllListeners('error');
        sock.on('error', (err) => this.host?.reportFatalError(new KataOtelError('KO_ERR_SYSLOG_UDP', `syslog udp socket failed: ${err.message}`, { cause: err })));
        resolve();
      });
    });
  }

  private async listenTcp(): Promise<void> {
    const ep = parseEndpoint(this.config.tcp.endpoint)!;
    const t = this.config.tcp.tls;
    const onConnection = (s: net.Socket): void => this.onConnection(s, t !== undefined);
    let server: net.Server;
    if (t !== undefined) {
      const [cert, key, ca] = await Promise.all([
        fsp.readFile(t.cert_file),
        fsp.readFile(t.key_file),
        t.client_ca_file === undefined ? Promise.resolve(undefined) : fsp.readFile(t.client_ca_file),
      ]);
      const opts: tls.TlsOptions = { cert, key, minVersion: t.min_version === '1.3' ? 'TLSv1.3' : 'TLSv1.2' };
      if (ca !== undefined) {
        opts.ca = ca;
        opts.requestCert = true;
        opts.rejectUnauthorized = true;
      }
      server = tls.createServer(opts, onConnection);
      server.on('tlsClientError', (err, s) => {
        this.metrics.event('tls_errors');
        this.warnPeer(s.remoteAddress ?? '?', 'syslog: TLS handshake failed', { error: err.message });
      });
    } else {
      server = net.createServer(onConnection);
    }
    server.maxConnections = this.config.tcp.max_connections;
    this.tcp = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new KataOtelError('KO_ERR_SYSLOG_LISTEN', `syslog: cannot listen on tcp ${this.config.tcp.endpoint}: ${err.message}`, { cause: err })));
      server.listen(ep.port, ep.host, () => {
        server.removeAllListeners('error');
        server.on('error', (err) => this.host?.reportFatalError(new KataOtelError('KO_ERR_SYSLOG_TCP', `syslog tcp listener failed: ${err.message}`, { cause: err })));
        resolve();
      });
    });
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length > this.config.max_message_size) {
      this.metrics.event('too_large');
      this.warnPeer(rinfo.address, 'syslog: datagram over max_message_size dropped', { bytes: msg.length });
      return;
    }
    if (this.buffer.length >= this.config.max_buffered || this.stopping) {
      this.metrics.event('udp_dropped');
      return;
    }
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === 10 || msg[end - 1] === 13 || msg[end - 1] === 0)) end--;
    this.take(end < msg.length ? msg.subarray(0, end) : msg, rinfo.address, rinfo.port, 'udp');
  }

  private onConnection(s: net.Socket, secure: boolean): void {
    if (this.stopping) {
      s.destroy();
      return;
    }
    this.sockets.add(s);
    this.metrics.event(secure ? 'tls_connections' : 'tcp_connections');
    const address = s.remoteAddress ?? '';
    const port = s.remotePort ?? 0;
    const framer = new SyslogFramer(this.config.max_message_size, {
      message: (m) => this.take(m, address, port, 'tcp'),
      problem: (kind: FrameProblem, fatal: boolean) => {
        this.metrics.event(kind === 'garbage' ? 'invalid_messages' : kind);
        this.warnPeer(address, `syslog: ${describe(kind)}${fatal ? '; connection closed' : ''}`, { transport: secure ? 'tls' : 'tcp' });
        if (fatal) s.destroy();
      },
    });
    if (this.paused) s.pause();
    s.on('data', (chunk: Buffer) => framer.push(chunk));
    s.on('end', () => {
      framer.end();
      s.end();
    });
    s.on('error', () => undefined); // a reset by the peer; 'close' follows
    s.on('close', () => this.sockets.delete(s));
  }

  private take(msg: Buffer, address: string, port: number, transport: 'tcp' | 'udp'): void {
    if (!hasValidPri(msg)) {
      this.metrics.event('invalid_messages');
      this.warnPeer(address, 'syslog: message without a valid <PRI> (0-191) dropped', { transport });
      return;
    }
    const attrs: Attributes = { [PEER_ADDRESS]: address, [PEER_PORT]: port, [TRANSPORT]: transport };
    this.buffer.push(rawRecord(msg.toString('utf8'), nowNanos(), attrs, this.resource));
    if (this.buffer.length >= this.config.max_buffered) this.setPaused(true);
    this.pump();
  }

  private setPaused(on: boolean): void {
    if (this.paused === on) return;
    this.paused = on;
    for (const s of this.sockets) {
      if (on) s.pause();
      else s.resume();
    }
    if (on) this.metrics.event('tcp_paused');
  }

  private updatePause(): void {
    this.setPaused(this.refusing || this.buffer.length >= this.config.max_buffered);
  }

  /** Starts the delivery loop if it is not running. */
  private pump(): void {
    if (this.pumping !== undefined || this.buffer.length === 0) return;
    const p: Promise<void> = this.drain().finally(() => {
      if (this.pumping === p) this.pumping = undefined;
    });
    this.pumping = p;
    p.catch((err: unknown) => this.host?.reportFatalError(err as Error));
  }

  /** Delivers the buffer batch by batch until it is empty. */
  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.config.max_batch);
      try {
        await deliver(this.next, batch, {
          signal: this.abort.signal,
          metrics: this.metrics,
          onBackpressure: (err) => {
            this.refusing = true;
            this.updatePause();
            this.metrics.logger.warn('syslog paused: the next stage refuses records; TCP senders are held, UDP is dropped', { receiver: this.metrics.receiver, error: (err as Error)?.message });
          },
          onRecovered: () => {
            this.refusing = false;
            this.metrics.logger.info('syslog resumed', { receiver: this.metrics.receiver });
          },
        });
      } catch (err) {
        this.buffer = batch.concat(this.buffer);
        if (err instanceof DeliveryAborted) return;
        throw err;
      }
      if (this.paused && !this.refusing && this.buffer.length < this.config.max_buffered / 2) this.setPaused(false);
    }
    this.refusing = false;
    this.updatePause();
  }

  private warnPeer(address: string, msg: string, fields: Record<string, unknown>): void {
    const key = `${address}\u0000${msg}`;
    if (this.warnedPeers.has(key)) return;
    if (this.warnedPeers.size < 10_000) this.warnedPeers.add(key);
    this.metrics.logger.warn(msg, { receiver: this.metrics.receiver, peer: address, ...fields, note: 'logged once per peer; see kata_otel_receiver_events_total' });
  }
}

function describe(kind: FrameProblem): string {
  switch (kind) {
    case 'garbage':
      return 'bytes that are not a syslog frame skipped';
    case 'too_large':
      return 'frame over max_message_size';
    case 'bad_length':
      return 'octet count not followed by a space';
    case 'truncated':
      return 'connection closed inside a frame';
  }
}
