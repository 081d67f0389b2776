export type { SendingQueueConfig } from './config';
export { MIB, sendingQueueSchema } from './config';
export type { PersistentQueueOptions, QueuedBatch } from './persistent-queue';
export { PersistentQueue } from './persistent-queue';
