/**
 * The `journald` receiver factory: follows the journal through journalctl.
 *
 * ```yaml
 * receivers:
 *   journald:
 *     identifiers: [kata]
 *     units: [containerd]
 * ```
 */
import type { ReceiverFactory } from '../../component/factory';
import { journaldConfigSchema } from './config';
import type { JournaldConfig } from './config';
import { JournaldReceiver } from './journald';

export const journaldReceiverFactory: ReceiverFactory<JournaldConfig> = {
  type: 'journald',
  schema: journaldConfigSchema,
  createLogs(settings, config, next) {
    return new JournaldReceiver(settings, config, next);
  },
};
