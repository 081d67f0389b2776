/**
 * processors:
 *   sigma:
 *     bundled: true              # the rule pack shipped in rules/
 *     paths: [/etc/kata-otel/rules]
 *     min_level: low
 *     disable: { ids: [], tags: [kata.category.lifecycle] }
 *     exceptions:
 *       - { rule: '*', field: k8s.namespace.name, values: [ci-*] }
 *     expand: { admin_namespaces: [kube-system] }
 *     correlation: { max_groups: 10000 }
 */
import type { ProcessorFactory } from '../../component/factory';
import { securityMetrics } from '../../service/telemetry/metrics';
import type { SigmaConfig } from './config';
import { sigmaConfigSchema } from './config';
import { SigmaEngine } from './engine';
import { RuleLoadError } from './errors';
import { engineOptions, loadConfiguredPack } from './load-config';
import { SigmaProcessor } from './processor';

export const sigmaProcessorFactory: ProcessorFactory<SigmaConfig> = {
  type: 'sigma',
  schema: sigmaConfigSchema,
  validate: (config) => loadConfiguredPack(config).issues,
  createLogs: (settings, config, next) => {
    const { pack, issues } = loadConfiguredPack(config);
    if (issues.length > 0) {
      throw new RuleLoadError(issues.map((i) => ({ file: '', rule: '', where: i.path, message: i.message })));
    }
    const engine = new SigmaEngine(pack, engineOptions(config));
    settings.telemetry.logger.info('sigma rules loaded', {
      rules: engine.activeRules, correlations: engine.activeCorrelations, files: pack.files.length,
    });
    return new SigmaProcessor(engine, next, securityMetrics(settings.telemetry));
  },
};
