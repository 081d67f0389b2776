/**
 * The `syslog` receiver factory: RFC 5424 / RFC 3164 over UDP, TCP and TLS.
 *
 * ```yaml
 * receivers:
 *   syslog:
 *     udp: { endpoint: 127.0.0.1:5514 }
 *     tcp:
 *       endpoint: 127.0.0.1:6514
 *       tls: { cert_file: /etc/kata-otel/syslog.crt, key_file: /etc/kata-otel/syslog.key }
 * ```
 */
import type { ReceiverFactory } from '../../component/factory';
import { syslogConfigSchema, validateSyslogConfig } from './config';
import type { SyslogConfig } from './config';
import { SyslogReceiver } from './syslog';

export const syslogReceiverFactory: ReceiverFactory<SyslogConfig> = {
  type: 'syslog',
  schema: syslogConfigSchema,
  validate: validateSyslogConfig,
  createLogs(settings, config, next) {
    return new SyslogReceiver(settings, config, next);
  },
};
