export { otlpReceiverFactory, OTLP_RECEIVER_TYPE } from './factory';
export {
  defaultOtlpReceiverConfig, otlpReceiverConfigSchema, validateOtlpReceiverConfig,
  type GrpcConfig, type HttpConfig, type OtlpReceiverConfig,
} from './config';
export { OtlpReceiverPart } from './receiver';
export { convertLogsRequest, ResourceInterner, type LogsConversion } from './convert';
