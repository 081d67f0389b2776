export { filelogReceiverFactory } from './factory';
export { filelogConfigSchema } from './config';
export type { FilelogConfig } from './config';
export { FilelogReceiver } from './filelog';
export type { FilelogCheckpoint } from './filelog';
