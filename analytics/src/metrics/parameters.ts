/** Every parameter a metric may take, with its ClickHouse type, default and meaning: the dictionary shows them. */
export const METRIC_PARAMETERS = {
  sl_threshold_s: { type: 'UInt32', default: 20, description: 'Service-level threshold: answered (or abandoned) within this many seconds counts as within' },
  short_abandon_s: { type: 'UInt32', default: 5, description: 'An abandon within this many seconds is a short abandon' },
  include_abandons: { type: 'UInt8', default: 1, description: 'Genesys form: 1 counts abandons in the denominator' },
  exclude_short_abandons: { type: 'UInt8', default: 1, description: '1 leaves short abandons out of the denominator (Genesys form, abandonment rate)' },
  repeat_window_h: { type: 'UInt32', default: 72, description: 'A contact by the same customer within this many hours of their previous one, any channel, is a repeat' },
  csat_satisfied_min: { type: 'UInt8', default: 4, description: 'CSAT answers at or above this (of 1–5) count as satisfied' },
  feedback_target_h: { type: 'UInt32', default: 24, description: 'Feedback answered within this many hours is on target, where its queue sets no response target of its own' },
} as const;

export type MetricParameterName = keyof typeof METRIC_PARAMETERS;
export type MetricParameters = { [K in MetricParameterName]: number };

export function defaultParameters(): MetricParameters {
  return Object.fromEntries(Object.entries(METRIC_PARAMETERS).map(([name, p]) => [name, p.default])) as MetricParameters;
}
