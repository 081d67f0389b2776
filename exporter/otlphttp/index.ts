export type { OtlpHttpExporterConfig } from './config';
export { otlpHttpExporterConfigSchema, signalUrl, validateOtlpHttpExporterConfig } from './config';
export { otlpHttpExporterFactory } from './factory';
export { HttpSender } from './http-sender';
