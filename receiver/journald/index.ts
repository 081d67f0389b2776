export { journaldReceiverFactory } from './factory';
export { journaldConfigSchema } from './config';
export type { JournaldConfig } from './config';
export { JournaldReceiver } from './journald';
export type { JournaldCheckpoint } from './journald';
export { journalctlArgs, unitName } from './journalctl';
