/**
 * Attribute keys the parsers write. Every key here is defined in semconv/ (ours, under
 * `kata.`) or is an OpenTelemetry attribute we reuse; a test parses every fixture and
 * fails on any emitted key the registry does not know.
 */
export const K = {
  // Kata semantic conventions
  SANDBOX_ID: 'kata.sandbox.id',
  COMPONENT: 'kata.component',
  SUBSYSTEM: 'kata.subsystem',
  SOURCE: 'kata.source',
  HYPERVISOR_TYPE: 'kata.hypervisor.type',
  HYPERVISOR_UPTIME: 'kata.hypervisor.uptime',
  AGENT_RPC: 'kata.agent.rpc',
  EXEC_ID: 'kata.exec.id',
  LOGGER_NAME: 'kata.logger.name',
  MODULE: 'kata.module',
  CONSOLE_PROTOCOL: 'kata.console.protocol',
  CONSOLE_URL: 'kata.console.url',
  GUEST_UPTIME: 'kata.guest.uptime',
  LOG_FORMAT: 'kata.log.format',
  LOG_ENVELOPE: 'kata.log.envelope',
  LOG_IDENTIFIER: 'kata.log.identifier',
  LOG_LINE_NUMBER: 'kata.log.line_number',
  PARSE_STATUS: 'kata.parse.status',
  PARSE_ERROR: 'kata.parse.error',
  PARSE_LINE_COUNT: 'kata.parse.line_count',
  RELAY_TIME: 'kata.relay.time',
  RELAY_SEVERITY_TEXT: 'kata.relay.severity_text',
  RELAY_COMPONENT: 'kata.relay.component',
  RELAY_FORMAT: 'kata.relay.format',
  RELAY_DEPTH: 'kata.relay.depth',
  JOURNAL_CURSOR: 'kata.journal.cursor',
  JOURNAL_TRANSPORT: 'kata.journal.transport',
  JOURNAL_UNIT: 'kata.journal.unit',
  JOURNAL_BOOT_ID: 'kata.journal.boot_id',
  JOURNAL_SUPPRESSED_COUNT: 'kata.journal.suppressed_count',
  SYSLOG_FACILITY: 'kata.syslog.facility',
  SYSLOG_MSGID: 'kata.syslog.msgid',
  SYSLOG_STRUCTURED_DATA: 'kata.syslog.structured_data',
  /** Template: `kata.field.<key>` keeps any emitter field without a registered meaning. */
  FIELD_PREFIX: 'kata.field.',

  // OpenTelemetry attributes reused
  CONTAINER_ID: 'container.id',
  CONTAINER_IMAGE_NAME: 'container.image.name',
  K8S_POD_NAME: 'k8s.pod.name',
  K8S_POD_UID: 'k8s.pod.uid',
  K8S_NAMESPACE_NAME: 'k8s.namespace.name',
  PROCESS_PID: 'process.pid',
  HOST_NAME: 'host.name',
  HOST_ARCH: 'host.arch',
  SERVICE_NAME: 'service.name',
  LOG_FILE_PATH: 'log.file.path',
  LOG_RECORD_ORIGINAL: 'log.record.original',
  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
  EXCEPTION_STACKTRACE: 'exception.stacktrace',
  CODE_FUNCTION_NAME: 'code.function.name',
  CODE_FILE_PATH: 'code.file.path',
  CODE_LINE_NUMBER: 'code.line.number',
} as const;

/** Members of the `kata.component` enum. */
export type Component =
  | 'runtime' | 'runtime-rs' | 'agent' | 'hypervisor' | 'virtiofsd' | 'guest-kernel' | 'guest'
  | 'container-manager' | 'kata-monitor' | 'legacy-proxy' | 'legacy-shim' | 'unknown';

/** Members of the `kata.log.format` enum. */
export type LogFormat =
  | 'logfmt' | 'logrus-tty' | 'slog-json' | 'json' | 'runtime-rs-text' | 'vm-console' | 'printk' | 'systemd'
  | 'env-logger' | 'cloud-hypervisor' | 'firecracker' | 'virtiofsd' | 'qemu' | 'nydusd' | 'klog' | 'go-log'
  | 'go-panic' | 'rust-error' | 'kubectl-events' | 'client-error' | 'journal-json' | 'journal-export'
  | 'journal-banner' | 'journal-notice' | 'text' | 'unknown';

/** Members of the `kata.hypervisor.type` enum. */
export type HypervisorType = 'qemu' | 'cloud-hypervisor' | 'firecracker' | 'dragonball' | 'stratovirt' | 'remote';

/** Envelope names for `kata.log.envelope` (outermost first). */
export type Envelope =
  | 'ci' | 'syslog-rfc5424' | 'syslog-rfc3164' | 'journal-short' | 'journal-ident' | 'journal-json'
  | 'journal-export' | 'fluentd' | 'talos-json';
