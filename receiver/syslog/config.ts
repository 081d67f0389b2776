/**
 * `syslog` receiver configuration: RFC 5424 and RFC 3164 messages over UDP (RFC 5426)
 * and TCP (RFC 6587 octet counting or newline framing, detected per message), with
 * optional TLS (RFC 5425) on TCP. Both transports listen on loopback by default.
 */
import { z } from 'zod';
import type { ConfigIssue } from '../../component/factory';
import { byteSize, endpoint } from '../helper/config-units';
import { DEFAULT_MAX_BATCH } from '../helper/delivery';

const DEFAULT_ENDPOINT = '127.0.0.1:5514';

const tlsSchema = z
  .object({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    /** Client certificates must chain to this CA (mutual TLS); unset: clients are not asked for one. */
    client_ca_file: z.string().min(1).optional(),
    min_version: z.enum(['1.2', '1.3']).default('1.2'),
  })
  .strict();

export const syslogConfigSchema = z
  .object({
    udp: z
      .object({
        enabled: z.boolean().default(true),
        endpoint: endpoint().default(DEFAULT_ENDPOINT),
      })
      .strict()
      .default({ enabled: true, endpoint: DEFAULT_ENDPOINT }),
    tcp: z
      .object({
        enabled: z.boolean().default(true),
        endpoint: endpoint().default(DEFAULT_ENDPOINT),
        tls: tlsSchema.optional(),
        max_connections: z.number().int().min(1).max(65_536).default(256),
      })
      .strict()
      .default({ enabled: true, endpoint: DEFAULT_ENDPOINT, max_connections: 256 }),
    /** Longest message accepted (RFC 5425 asks for at least 2048, 8192 recommended). */
    max_message_size: byteSize({ min: 480, max: 64 << 20 }).default(64 * 1024),
    /** Records per batch handed to the next stage. */
    max_batch: z.number().int().min(1).max(65_536).default(DEFAULT_MAX_BATCH),
    /**
     * Records held in memory while the next stage is slow. At this mark TCP connections are
     * paused (senders block) and UDP datagrams are dropped and counted: syslog has no
     * acknowledgement, so what is held here is lost if the process dies.
     */
    max_buffered: z.number().int().min(1).max(1_000_000).default(8192),
    /** Resource attributes for every record. */
    resource: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type SyslogConfig = z.output<typeof syslogConfigSchema>;

export function validateSyslogConfig(config: SyslogConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!config.udp.enabled && !config.tcp.enabled) issues.push({ path: '', message: 'enable udp, tcp or both' });
  if (config.max_buffered < config.max_batch) issues.push({ path: 'max_buffered', message: `must be at least max_batch (${config.max_batch})` });
  return issues;
}
