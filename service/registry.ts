/**
 * The components kata-otel ships, by kind. To add one, import its factory and add ONE
 * line to its kind's list below; the `type` in the factory is the key users write in the
 * YAML (`receivers: { otlp: ... }`). A factory may also declare `claims(config)` (listen
 * addresses, files: see component-registry.ts) so two components cannot be configured
 * onto the same port or file.
 */
import type {
  AnyExporterFactory, AnyExtensionFactory, AnyProcessorFactory, AnyReceiverFactory, ComponentRegistry,
} from './component-registry';
import { createRegistry } from './component-registry';
import { debugExporterFactory } from '../exporter/debug/factory';
import { fileExporterFactory } from '../exporter/file/factory';
import { kataParserProcessorFactory } from '../processors/kata_parser/factory';
import { sigmaProcessorFactory } from '../processors/sigma/factory';
import { staticFileReceiverFactory } from '../receiver/static_file/factory';
import { otlpReceiverFactory } from '../receiver/otlp';
import { filelogReceiverFactory } from '../receiver/filelog';
import { journaldReceiverFactory } from '../receiver/journald';
import { syslogReceiverFactory } from '../receiver/syslog';
import { otlpExporterFactory } from '../exporter/otlp';
import { otlpHttpExporterFactory } from '../exporter/otlphttp';

export const RECEIVER_FACTORIES: readonly AnyReceiverFactory[] = [
  staticFileReceiverFactory, // receiver/static_file
  otlpReceiverFactory, // receiver/otlp
  filelogReceiverFactory, // receiver/filelog
  journaldReceiverFactory, // receiver/journald
  syslogReceiverFactory, // receiver/syslog
];

export const PROCESSOR_FACTORIES: readonly AnyProcessorFactory[] = [
  kataParserProcessorFactory, // processors/kata_parser
  sigmaProcessorFactory, // processors/sigma
];

export const EXPORTER_FACTORIES: readonly AnyExporterFactory[] = [
  fileExporterFactory, // exporter/file
  debugExporterFactory, // exporter/debug
  otlpExporterFactory, // exporter/otlp
  otlpHttpExporterFactory, // exporter/otlphttp
];

export const EXTENSION_FACTORIES: readonly AnyExtensionFactory[] = [];

/** The registry `kata-otel run` and `validate` use. */
export function defaultRegistry(): ComponentRegistry {
  return createRegistry({
    receivers: RECEIVER_FACTORIES,
    processors: PROCESSOR_FACTORIES,
    exporters: EXPORTER_FACTORIES,
    extensions: EXTENSION_FACTORIES,
  });
}
