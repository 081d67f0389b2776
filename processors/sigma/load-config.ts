/**
 * From a `sigma` configuration to a loaded pack and engine options; shared by the
 * processor, `kata-otel validate` and `kata-otel parse --rules`.
 */
import * as fs from 'node:fs';
import type { ConfigIssue } from '../../component/factory';
import { formatIssue } from './errors';
import type { EngineOptions } from './engine';
import { checkEngineOptions } from './engine';
import { bundledRulesDir } from './files';
import type { Pack } from './pack';
import { loadPack } from './pack';
import type { SigmaConfig } from './config';

/** The bundled pack (when there is one: a build without rules/ simply has no rules) and the extra paths. */
export function rulePaths(config: Pick<SigmaConfig, 'bundled' | 'paths'>): string[] {
  const bundled = bundledRulesDir();
  return [...(config.bundled && fs.existsSync(bundled) ? [bundled] : []), ...config.paths];
}

export function engineOptions(config: SigmaConfig): EngineOptions {
  return {
    selection: {
      enableIds: config.enable.ids, enableTags: config.enable.tags,
      disableIds: config.disable.ids, disableTags: config.disable.tags,
      minLevel: config.min_level,
    },
    exceptions: config.exceptions,
    maxGroups: config.correlation.max_groups,
  };
}

/** The pack and every issue of the rules or of the options against them. */
export function loadConfiguredPack(config: SigmaConfig): { pack: Pack; issues: ConfigIssue[] } {
  const { pack, issues } = loadPack(rulePaths(config), { placeholders: config.expand });
  const out: ConfigIssue[] = issues.map((i) => ({ path: 'paths', message: formatIssue(i) }));
  if (out.length === 0) out.push(...checkEngineOptions(pack, engineOptions(config)));
  return { pack, issues: out };
}
