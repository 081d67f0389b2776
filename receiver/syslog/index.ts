export { syslogReceiverFactory } from './factory';
export { syslogConfigSchema } from './config';
export type { SyslogConfig } from './config';
export { SyslogReceiver } from './syslog';
export { hasValidPri, SyslogFramer } from './framing';
