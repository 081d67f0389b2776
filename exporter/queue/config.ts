/**
 * `sending_queue`: the exporter's persistent queue. Collector users know the key; unlike
 * the Collector's default in-memory queue, ours is always on disk (SQLite), because a
 * record is acknowledged to its source once it is here.
 */
import { z } from 'zod';
import { duration } from '../helper/config';

export const sendingQueueSchema = z
  .strictObject({
    /**
     * false: no queue; consumeLogs sends at once and resolves with the backend's answer, so
     * the receiver keeps its source unacknowledged on failure and does the retrying.
     */
    enabled: z.boolean().default(true),
    /** Where the queue file lives; default: the service's storage directory. */
    storage_dir: z.string().min(1).optional(),
    /** Payload bytes the queue may hold (MiB, 2^20 bytes). */
    max_size_mib: z.number().positive().max(1024 * 1024).default(256),
    /** How long an enqueue waits for room when the queue is full before failing (retryable). */
    block_timeout: duration({ max: 3_600_000 }).default(5000),
    /** block: wait, then refuse (sources pause or answer busy). drop_newest: drop the incoming batch, counted and logged. */
    when_full: z.enum(['block', 'drop_newest']).default('block'),
    /** Queued batches are merged into requests of up to this size (MiB; a larger batch goes alone). */
    max_request_mib: z.number().positive().max(64).default(1),
  })
  .prefault({});

export type SendingQueueConfig = z.output<typeof sendingQueueSchema>;

export const MIB = 1024 * 1024;
