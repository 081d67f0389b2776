/**
 * The `filelog` receiver factory: follows log files with rotation and checkpoints.
 *
 * ```yaml
 * receivers:
 *   filelog/kata:
 *     include: [/var/log/kata/*.log]
 *     exclude: ["/var/log/kata/*.gz"]
 *     start_at: beginning
 * ```
 */
import type { ReceiverFactory } from '../../component/factory';
import { filelogConfigSchema, validateFilelogConfig } from './config';
import type { FilelogConfig } from './config';
import { FilelogReceiver } from './filelog';

export const filelogReceiverFactory: ReceiverFactory<FilelogConfig> = {
  type: 'filelog',
  schema: filelogConfigSchema,
  validate: validateFilelogConfig,
  createLogs(settings, config, next) {
    return new FilelogReceiver(settings, config, next);
  },
};
