/** The `static_file` receiver's factory (settings: config.ts). */
import type { ReceiverFactory } from '../../component/factory';
import type { ClaimsResources } from '../../service/component-registry';
import { componentMetrics } from '../../service/telemetry/metrics';
import type { StaticFileConfig } from './config';
import { staticFileConfigSchema, validateStaticFileConfig } from './config';
import { StaticFileReceiver } from './static-file-receiver';

export const staticFileReceiverFactory: ReceiverFactory<StaticFileConfig> & ClaimsResources<StaticFileConfig> = {
  type: 'static_file',
  schema: staticFileConfigSchema,
  validate: validateStaticFileConfig,
  claims: (c) => c.paths.map((p, i) => ({ kind: 'file' as const, value: p, path: `paths[${i}]` })),
  createLogs: (settings, c, next) => new StaticFileReceiver(c, next, settings.telemetry.logger, componentMetrics(settings.telemetry)),
};
