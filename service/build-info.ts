/** kata-otel's name and version (from package.json), for the OTLP scope and the CLI. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScopeInfo } from '../pdata/otlp/json-encoding';

let cachedVersion: string | undefined;

/** The version in package.json (dist/service/ → ../../package.json). */
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

/** The instrumentation scope kata-otel writes on the records it produces. */
export function kataOtelScope(): ScopeInfo {
  return { name: 'kata-otel', version: packageVersion() };
}
