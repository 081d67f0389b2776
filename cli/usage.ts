/** Usage text, the package version, and the error type for command-line mistakes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A mistake on the command line: the bin prints the usage line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = 'usage: kata-otel parse [--output ndjson|otlp-json|table] [--original] [--summary] [--batch-size N] [FILE ...|-]';

export const HELP = `${USAGE}
       kata-otel help | --help
       kata-otel --version

Turns Kata Containers logs (Go and Rust runtimes, agent, guest console, hypervisors,
containerd/CRI-O/kubelet lines about Kata) into OpenTelemetry log records.

parse reads each FILE, or standard input for '-' or when no FILE is given, and writes
one record per log entry to standard output. Lines that belong together (Go panics,
pretty-printed JSON, wrapped lines) become one record. Records from a FILE carry
log.file.path. Live standard input is followed: a record waiting for a possible
continuation is written after 500 ms without new input. Dates without a year (journal
short format, klog) take the year of the last full timestamp before them, else the year
that puts them no later than a day after the file's modification time (stdin: now).

options:
  -o, --output FORMAT   ndjson     one JSON object per record (default): timeUnixNano,
                                   observedTimeUnixNano, severityNumber, severityText, body,
                                   eventName, traceId, spanId, attributes, resource
                        otlp-json  one OTLP/JSON ExportLogsServiceRequest per line, as the
                                   OpenTelemetry Collector's file exporter writes them
                        table      columns for people: time, level, component, sandbox, body
      --original        add log.record.original (the input lines) to every record
      --summary         print counts to standard error at the end
      --batch-size N    records per ExportLogsServiceRequest for otlp-json (default 512)
  -h, --help            show this help

exit status: 0 done, 1 an input could not be read or the output failed, 2 usage error
`;

let cachedVersion: string | undefined;

/** The version in package.json (dist/cli/ → ../../package.json). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}
