/**
 * The `otlp` receiver component. One receiver id may feed a logs pipeline and a traces
 * pipeline; both are served by the same gRPC and HTTP listeners, so, as the Collector's
 * sharedcomponent does, createLogs and createTraces given the same config object return two
 * parts of one OtlpReceiver. The listeners start with the first part started and stop when
 * every started part has shut down; a part that has shut down answers its signal with
 * UNAVAILABLE / 503 until then.
 */
import { readFile } from 'node:fs/promises';
import type { Component, Host } from '../../component/component';
import { formatComponentId } from '../../component/component';
import type { CreateSettings } from '../../component/factory';
import type { Logger } from '../../component/telemetry';
import type { LogsConsumer, TracesConsumer } from '../../consumer/consumer';
import { BearerAuth } from './auth';
import { isLoopbackHost, parseEndpoint, type AuthConfig, type OtlpReceiverConfig, type TlsConfig } from './config';
import type { Signal } from './decode';
import { ExportHandler } from './export-handler';
import { OtlpGrpcServer, type TlsMaterial } from './grpc-server';
import { OtlpHttpServer } from './http-server';

async function readTls(tls: TlsConfig | undefined): Promise<TlsMaterial | undefined> {
  if (tls === undefined) return undefined;
  const [cert, key, ca] = await Promise.all([
    readFile(tls.cert_file),
    readFile(tls.key_file),
    tls.client_ca_file === undefined ? undefined : readFile(tls.client_ca_file),
  ]);
  return ca === undefined ? { cert, key } : { cert, key, ca };
}

async function loadAuth(auth: AuthConfig | undefined): Promise<BearerAuth | undefined> {
  return auth === undefined ? undefined : BearerAuth.load(auth);
}

function warnIfExposed(logger: Logger, receiver: string, protocol: string, endpoint: string, tls: TlsConfig | undefined): void {
  const ep = parseEndpoint(endpoint);
  if (ep === undefined || isLoopbackHost(ep.host) || tls !== undefined) return;
  logger.warn('otlp receiver listens beyond loopback without TLS; anyone who can reach it can send data', {
    receiver, protocol, endpoint,
  });
}

/** The listeners and the export handler shared by the logs and traces parts of one receiver. */
export class OtlpReceiver {
  readonly handler: ExportHandler;
  readonly name: string;
  private grpc: OtlpGrpcServer | undefined;
  private http: OtlpHttpServer | undefined;
  private starting: Promise<void> | undefined;
  private users = 0;

  constructor(
    private readonly settings: CreateSettings,
    readonly config: OtlpReceiverConfig,
    private readonly onStopped: () => void,
  ) {
    this.name = formatComponentId(settings.id);
    this.handler = new ExportHandler(this.name, settings.telemetry);
  }

  get grpcPort(): number | undefined {
    return this.grpc?.port;
  }

  get httpPort(): number | undefined {
    return this.http?.port;
  }

  async acquire(host: Host): Promise<void> {
    this.users++;
    this.starting ??= this.startServers(host);
    await this.starting;
  }

  async release(): Promise<void> {
    this.users--;
    if (this.users > 0) return;
    await this.starting?.catch(() => undefined);
    await this.stopServers();
    this.onStopped();
  }

  /** A part that is shut down without ever starting gives its signal back. */
  forget(signal: Signal): void {
    this.handler.configured[signal] = false;
    if (this.users === 0 && this.starting === undefined && !this.handler.configured.logs && !this.handler.configured.traces) this.onStopped();
  }

  private async startServers(host: Host): Promise<void> {
    const { grpc, http } = this.config.protocols;
    const logger = this.settings.telemetry.logger;
    try {
      if (grpc !== null) {
        const [auth, tls] = await Promise.all([loadAuth(grpc.auth), readTls(grpc.tls)]);
        this.grpc = new OtlpGrpcServer(this.handler, grpc, auth, tls);
        await this.grpc.start();
        warnIfExposed(logger, this.name, 'grpc', grpc.endpoint, grpc.tls);
      }
      if (http !== null) {
        const [auth, tls] = await Promise.all([loadAuth(http.auth), readTls(http.tls)]);
        this.http = new OtlpHttpServer(this.handler, http, auth, tls, (err) => host.reportFatalError(err));
        await this.http.start();
        warnIfExposed(logger, this.name, 'http', http.endpoint, http.tls);
      }
    } catch (err) {
      await this.stopServers();
      throw new Error(`${this.name}: cannot start: ${(err as Error).message}`, { cause: err });
    }
    logger.info('otlp receiver listening', {
      receiver: this.name,
      ...(this.grpc === undefined ? {} : { grpc: `${parseEndpoint(grpc!.endpoint)!.host}:${this.grpc.port}` }),
      ...(this.http === undefined ? {} : { http: `${parseEndpoint(http!.endpoint)!.host}:${this.http.port}` }),
    });
  }

  private async stopServers(): Promise<void> {
    const grpc = this.grpc;
    const http = this.http;
    await Promise.all([grpc?.shutdown(), http?.shutdown()]);
  }
}

/** The logs or traces side of an OtlpReceiver: what createLogs / createTraces return. */
export class OtlpReceiverPart implements Component {
  private started: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(
    readonly receiver: OtlpReceiver,
    readonly signal: Signal,
    private readonly consumer: LogsConsumer | TracesConsumer,
  ) {}

  /** Ports actually bound (useful with port 0); undefined when that protocol is off or not started. */
  get grpcPort(): number | undefined {
    return this.receiver.grpcPort;
  }

  get httpPort(): number | undefined {
    return this.receiver.httpPort;
  }

  start(host: Host): Promise<void> {
    if (this.stopped !== undefined) return Promise.reject(new Error(`${this.receiver.name}: start after shutdown`));
    this.started ??= this.doStart(host);
    return this.started;
  }

  private async doStart(host: Host): Promise<void> {
    this.attach(true);
    try {
      await this.receiver.acquire(host);
    } catch (err) {
      this.attach(false);
      await this.receiver.release();
      throw err;
    }
  }

  shutdown(): Promise<void> {
    this.stopped ??= this.doShutdown();
    return this.stopped;
  }

  private async doShutdown(): Promise<void> {
    const started = this.started;
    if (started === undefined) {
      this.receiver.forget(this.signal);
      return;
    }
    try {
      await started;
    } catch {
      return; // a failed start already released its share
    }
    this.attach(false);
    await this.receiver.release();
  }

  private attach(on: boolean): void {
    const h = this.receiver.handler;
    if (this.signal === 'logs') h.logs = on ? (this.consumer as LogsConsumer) : undefined;
    else h.traces = on ? (this.consumer as TracesConsumer) : undefined;
  }
}

const shared = new WeakMap<OtlpReceiverConfig, OtlpReceiver>();

/** The OtlpReceiver for a config object, created on first use and forgotten once stopped. */
export function sharedReceiver(settings: CreateSettings, config: OtlpReceiverConfig, signal: Signal): OtlpReceiver {
  let r = shared.get(config);
  if (r === undefined) {
    const created: OtlpReceiver = new OtlpReceiver(settings, config, () => {
      if (shared.get(config) === created) shared.delete(config);
    });
    r = created;
    shared.set(config, r);
  }
  if (r.handler.configured[signal]) {
    throw new Error(`${r.name}: ${signal} receiver created twice for one config; feed several pipelines through one fan-out consumer`);
  }
  r.handler.configured[signal] = true;
  return r;
}
