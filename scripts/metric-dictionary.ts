// Writes analytics/METRICS.md from the metric definitions (npm run metrics:dictionary).
import { writeFileSync } from 'node:fs';
import { METRIC_PARAMETERS, metricDictionaryMarkdown } from '../analytics/src/index.ts';

writeFileSync(new URL('../analytics/METRICS.md', import.meta.url), metricDictionaryMarkdown(METRIC_PARAMETERS));
console.log('wrote analytics/METRICS.md');
