/** Usage text, the package version, and the error type for command-line mistakes. */

/** A mistake on the command line: the bin prints the usage line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: kata-otel parse [--output ndjson|otlp-json|table] [--original] [--summary] [--batch-size N] [--rules PATH]... [--no-rules] [--correlations] [FILE ...|-]
       kata-otel run --config FILE [--exit-when-idle]
       kata-otel validate --config FILE
       kata-otel rules list|lint|test [--json] [PATH ...]`;

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

parse options:
  -o, --output FORMAT   ndjson     one JSON object per record (default): timeUnixNano,
                                   observedTimeUnixNano, severityNumber, severityText, body,
                                   eventName, traceId, spanId, attributes, resource
                        otlp-json  one OTLP/JSON ExportLogsServiceRequest per line, as the
                                   OpenTelemetry Collector's file exporter writes them
                        table      columns for people: time, level, component, sandbox, body
      --original        add log.record.original (the input lines) to every record
      --summary         print counts to standard error at the end
      --batch-size N    records per ExportLogsServiceRequest for otlp-json (default 512)
      --rules PATH      also evaluate the Sigma rules in PATH (file or directory; repeatable)
      --no-rules        leave out the bundled Sigma rule pack, which by default tags
                        matching records with security_rule.* and kata.security.*
      --correlations    also write the kata.security.correlation events of correlation
                        rules (extra records after the record that completed a window)
  -h, --help            show this help

run is the sidecar: it reads a configuration in the OpenTelemetry Collector's shape
(receivers, processors, exporters, service.pipelines, service.telemetry; \${env:VAR} and
\${env:VAR:-default} are replaced), runs its pipelines, logs JSON lines on standard error,
and serves /metrics, /healthz and /readyz (default 127.0.0.1:8888). SIGTERM or SIGINT
stops it gracefully. validate checks a configuration and prints every issue.

run and validate options:
  -c, --config FILE     the configuration (YAML)
      --exit-when-idle  (run) stop once every receiver has read all its input and the
                        pipelines delivered it (receivers that follow live input never do)

rules works on Sigma rule files (PATHs; default: the bundled pack, rules/):
  list                  id, level, category, status, kind and title of every rule
  lint                  checks every rule and test file strictly (unknown keys, missing
                        or unknown kata.category tag, unregistered field names)
  test                  parses each test case's lines with the Kata parser, runs the
                        whole pack, reports every failed case, precision and recall
      --json            machine-readable output

exit status: parse: 0 done, 1 an input could not be read or the output failed, 2 usage error
             run: 0 stopped gracefully, 1 a component failed, 2 configuration or usage error
             validate: 0 valid, 2 configuration issues or usage error
             rules: 0 ok, 1 rule issues or failed test cases, 2 usage error
`;

/** The version in package.json. */
export { packageVersion } from '../service/build-info';
