/**
 * The `otlp` receiver factory: OTLP/gRPC and OTLP/HTTP for logs and traces. Logs are
 * converted to kata-otel records (convert.ts); traces pass through as decoded requests.
 */
import type { ReceiverFactory } from '../../component/factory';
import { otlpReceiverConfigSchema, validateOtlpReceiverConfig, type OtlpReceiverConfig } from './config';
import { OtlpReceiverPart, sharedReceiver } from './receiver';

export const OTLP_RECEIVER_TYPE = 'otlp';

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> & { readonly type: typeof OTLP_RECEIVER_TYPE } = {
  type: OTLP_RECEIVER_TYPE,
  schema: otlpReceiverConfigSchema,
  validate: validateOtlpReceiverConfig,
  createLogs(settings, config, next): OtlpReceiverPart {
    return new OtlpReceiverPart(sharedReceiver(settings, config, 'logs'), 'logs', next);
  },
  createTraces(settings, config, next): OtlpReceiverPart {
    return new OtlpReceiverPart(sharedReceiver(settings, config, 'traces'), 'traces', next);
  },
};
