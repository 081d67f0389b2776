/**
 * The self-telemetry HTTP endpoint (default 127.0.0.1:8888):
 *   GET /metrics  Prometheus text exposition of kata_otel_* metrics
 *   GET /healthz  200 while the process is alive
 *   GET /readyz   200 once every component started and until shutdown begins; 503 otherwise
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../component/telemetry';
import type { ServiceTelemetry } from './telemetry';

export interface ListenAddress {
  /** '' for every interface. */
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port` or `:port`; undefined when malformed. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

export function formatListenAddress(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export interface TelemetryServerOptions {
  address: string;
  telemetry: ServiceTelemetry;
  /** Readiness as the service sees it. */
  ready: () => boolean;
  logger: Logger;
}

export class TelemetryServer {
  private server: Server | undefined;
  private bound: string | undefined;

  constructor(private readonly opts: TelemetryServerOptions) {}

  /** The address actually listened on (the port is known only after start when 0 was asked). */
  get address(): string | undefined {
    return this.bound;
  }

  async start(): Promise<string> {
    const want = parseListenAddress(this.opts.address);
    if (want === undefined) throw new Error(`bad telemetry address ${JSON.stringify(this.opts.address)}`);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.logger.error('telemetry request failed', { path: req.url, error: err });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    });
    // Scrapers keep connections open; they must not hold shutdown up.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(want.port, want.host === '' ? undefined : want.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.logger.error('telemetry server error', { error: err }));
    this.server = server;
    const info = server.address() as AddressInfo;
    this.bound = formatListenAddress({ host: want.host === '' ? '' : info.address, port: info.port });
    this.opts.logger.info('telemetry server listening', { address: this.bound, endpoints: ['/metrics', '/healthz', '/readyz'] });
    return this.bound;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    switch (path) {
      case '/metrics': {
        const text = await this.opts.telemetry.scrape();
        res.writeHead(200, { 'content-type': this.opts.telemetry.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('ok\n');
        return;
      case '/readyz': {
        const ready = this.opts.ready();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(ready ? 'ready\n' : 'not ready\n');
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found: try /metrics, /healthz or /readyz\n');
    }
  }
}
