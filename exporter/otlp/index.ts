export type { OtlpExporterConfig } from './config';
export { grpcTarget, otlpExporterConfigSchema, validateOtlpExporterConfig } from './config';
export { otlpExporterFactory } from './factory';
export { GrpcSender } from './grpc-sender';
