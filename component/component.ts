/**
 * The lifecycle every receiver, processor, exporter and extension follows. The service
 * starts components in reverse pipeline order (exporters first) and stops them forward
 * (receivers first), so each stage drains into a consumer that is still running.
 * `shutdown` must be safe to call without `start` and more than once.
 */
import type { Telemetry } from './telemetry';

export interface Host {
  /** A component that cannot go on (a listener died) reports here; the service stops. */
  reportFatalError(err: Error): void;
  telemetry: Telemetry;
}

export interface Component {
  start(host: Host): Promise<void>;
  shutdown(): Promise<void>;
}

/** `type` or `type/name`, as in the Collector's configuration keys. */
export interface ComponentId {
  type: string;
  name: string;
}

export function parseComponentId(key: string): ComponentId | undefined {
  const m = /^([a-z][a-z0-9_]{0,63})(?:\/([A-Za-z0-9_.-]{1,64}))?$/.exec(key);
  return m === null ? undefined : { type: m[1]!, name: m[2] ?? '' };
}

export function formatComponentId(id: ComponentId): string {
  return id.name === '' ? id.type : `${id.type}/${id.name}`;
}
