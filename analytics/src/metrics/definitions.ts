import type { MetricParameterName } from './parameters.ts';

export type MetricSource = 'segments' | 'agent-time' | 'surveys' | 'repeats' | 'feedback';
export type MetricUnit = 'count' | 'ratio' | 'seconds' | 'hours' | 'score' | 'points';

/** A metric is code: SQL over one source's rows, with its parameters named, and its meaning in words. */
export interface MetricDefinition {
  id: string;
  names: { en: string; fi: string; sv: string };
  unit: MetricUnit;
  source: MetricSource;
  formula: string;
  parameters: MetricParameterName[];
  /** An aggregate over the source's rows; uses {param:Type} query parameters. */
  sql: string;
}

/** A metric computed from other metrics once they are known (they may come from different sources). */
export interface DerivedMetricDefinition extends Omit<MetricDefinition, 'sql'> {
  derivedFrom: string[];
  compute(values: Record<string, number | null>): number | null;
}

export type AnyMetricDefinition = MetricDefinition | DerivedMetricDefinition;

export const isDerived = (metric: AnyMetricDefinition): metric is DerivedMetricDefinition => 'derivedFrom' in metric;

const T = '{sl_threshold_s:UInt32} * 1000';
const S = '{short_abandon_s:UInt32} * 1000';
const answeredWithin = `countIf(answered AND answer_wait_ms <= ${T})`;
const abandonedWithin = `countIf(abandoned AND abandon_wait_ms <= ${T})`;
const shortAbandons = `countIf(abandoned AND abandon_wait_ms <= ${S})`;

export const METRICS: readonly AnyMetricDefinition[] = [
  { id: 'offered', names: { en: 'Offered', fi: 'Tarjotut', sv: 'Erbjudna' }, unit: 'count', source: 'segments', formula: 'contacts that entered the queue in the period', parameters: [], sql: 'count()' },
  { id: 'answered', names: { en: 'Answered', fi: 'Vastatut', sv: 'Besvarade' }, unit: 'count', source: 'segments', formula: 'contacts an agent accepted', parameters: [], sql: 'countIf(answered)' },
  { id: 'abandoned', names: { en: 'Abandoned', fi: 'Luopuneet', sv: 'Avbrutna' }, unit: 'count', source: 'segments', formula: 'contacts that left before an agent accepted', parameters: [], sql: 'countIf(abandoned)' },
  { id: 'short_abandoned', names: { en: 'Short abandons', fi: 'Lyhyet luopumiset', sv: 'Korta avbrott' }, unit: 'count', source: 'segments', formula: 'abandoned within short_abandon_s', parameters: ['short_abandon_s'], sql: shortAbandons },
  {
    id: 'service_level',
    names: { en: 'Service level (answered within ÷ answered)', fi: 'Palvelutaso (vastatut ajassa ÷ vastatut)', sv: 'Servicenivå (besvarade inom ÷ besvarade)' },
    unit: 'ratio',
    source: 'segments',
    formula: 'answered within sl_threshold_s ÷ answered (Asterisk SL, Wazo)',
    parameters: ['sl_threshold_s'],
    sql: `${answeredWithin} / nullIf(countIf(answered), 0)`,
  },
  {
    id: 'service_level_sl2',
    names: { en: 'Service level SL2', fi: 'Palvelutaso SL2', sv: 'Servicenivå SL2' },
    unit: 'ratio',
    source: 'segments',
    formula: '(answered within + abandoned within sl_threshold_s) ÷ (answered + abandoned) (Asterisk SL2)',
    parameters: ['sl_threshold_s'],
    sql: `(${answeredWithin} + ${abandonedWithin}) / nullIf(countIf(answered) + countIf(abandoned), 0)`,
  },
  {
    id: 'service_level_removed',
    names: { en: 'Service level (left queue within ÷ queued)', fi: 'Palvelutaso (jonosta poistuneet ajassa ÷ jonoon tulleet)', sv: 'Servicenivå (lämnat kön inom ÷ köade)' },
    unit: 'ratio',
    source: 'segments',
    formula: '(answered within + abandoned within sl_threshold_s) ÷ offered: abandons within the threshold count as success (Amazon Connect)',
    parameters: ['sl_threshold_s'],
    sql: `(${answeredWithin} + ${abandonedWithin}) / nullIf(count(), 0)`,
  },
  {
    id: 'service_level_genesys',
    names: { en: 'Service level (Genesys form)', fi: 'Palvelutaso (Genesys)', sv: 'Servicenivå (Genesys)' },
    unit: 'ratio',
    source: 'segments',
    formula: 'answered within ÷ (answered + [include_abandons] (abandoned − [exclude_short_abandons] short abandons))',
    parameters: ['sl_threshold_s', 'include_abandons', 'exclude_short_abandons', 'short_abandon_s'],
    sql: `${answeredWithin} / nullIf(countIf(answered) + if({include_abandons:UInt8} = 1, countIf(abandoned) - if({exclude_short_abandons:UInt8} = 1, ${shortAbandons}, 0), 0), 0)`,
  },
  { id: 'asa_seconds', names: { en: 'Average speed of answer', fi: 'Keskimääräinen vastausaika', sv: 'Genomsnittlig svarstid' }, unit: 'seconds', source: 'segments', formula: 'mean wait of answered contacts', parameters: [], sql: 'avgIf(answer_wait_ms, answered) / 1000' },
  {
    id: 'aht_seconds',
    names: { en: 'Average handle time', fi: 'Keskimääräinen käsittelyaika', sv: 'Genomsnittlig hanteringstid' },
    unit: 'seconds',
    source: 'segments',
    formula: 'mean of talk + hold + after-contact work over handled contacts',
    parameters: [],
    sql: 'avgIf(talk_ms + acw_ms, handled) / 1000',
  },
  { id: 'acw_seconds', names: { en: 'After-contact work', fi: 'Jälkityö', sv: 'Efterarbete' }, unit: 'seconds', source: 'segments', formula: 'mean wrap-up time over handled contacts', parameters: [], sql: 'avgIf(acw_ms, handled) / 1000' },
  { id: 'hold_seconds', names: { en: 'Hold time', fi: 'Pitoaika', sv: 'Parkeringstid' }, unit: 'seconds', source: 'segments', formula: 'mean time on hold over handled contacts', parameters: [], sql: 'avgIf(hold_ms, handled) / 1000' },
  {
    id: 'abandonment_rate',
    names: { en: 'Abandonment rate', fi: 'Luopumisaste', sv: 'Andel avbrutna' },
    unit: 'ratio',
    source: 'segments',
    formula: 'abandoned ÷ offered, both without short abandons when exclude_short_abandons = 1',
    parameters: ['exclude_short_abandons', 'short_abandon_s'],
    sql: `(countIf(abandoned) - if({exclude_short_abandons:UInt8} = 1, ${shortAbandons}, 0)) / nullIf(count() - if({exclude_short_abandons:UInt8} = 1, ${shortAbandons}, 0), 0)`,
  },
  {
    id: 'longest_wait_seconds',
    names: { en: 'Longest wait', fi: 'Pisin jonotusaika', sv: 'Längsta väntetid' },
    unit: 'seconds',
    source: 'segments',
    formula: 'longest wait of a contact that was answered or abandoned',
    parameters: [],
    sql: 'max(greatest(if(answered, answer_wait_ms, 0), if(abandoned, abandon_wait_ms, 0))) / 1000',
  },
  { id: 'transfer_rate', names: { en: 'Transfer rate', fi: 'Siirtoaste', sv: 'Andel överflyttade' }, unit: 'ratio', source: 'segments', formula: 'answered contacts the agent transferred ÷ answered', parameters: [], sql: 'countIf(transferred) / nullIf(countIf(answered), 0)' },
  { id: 'handled', names: { en: 'Handled', fi: 'Käsitellyt', sv: 'Hanterade' }, unit: 'count', source: 'segments', formula: 'answered contacts that ended with the agent (not transferred away)', parameters: [], sql: 'countIf(handled)' },
  {
    id: 'occupancy',
    names: { en: 'Occupancy', fi: 'Käyttöaste', sv: 'Beläggning' },
    unit: 'ratio',
    source: 'agent-time',
    formula: 'handling time (busy + wrap-up) ÷ (handling time + available idle time); not-ready time is outside both',
    parameters: [],
    sql: `sumIf(duration_ms, state_now IN ('busy', 'wrap-up')) / nullIf(sumIf(duration_ms, state_now IN ('busy', 'wrap-up') OR (status_now = 'available' AND state_now IN ('idle', 'offered'))), 0)`,
  },
  {
    id: 'staffed_hours',
    names: { en: 'Staffed hours', fi: 'Kirjautuneet tunnit', sv: 'Bemannade timmar' },
    unit: 'hours',
    source: 'agent-time',
    formula: 'time agents were signed in (available, not ready, or handling)',
    parameters: [],
    sql: `sumIf(duration_ms, status_now IN ('available', 'not-ready') OR state_now IN ('offered', 'busy', 'wrap-up')) / 3600000`,
  },
  {
    id: 'contacts_per_agent_hour',
    names: { en: 'Contacts per agent hour', fi: 'Yhteydenotot per henkilötunti', sv: 'Kontakter per handläggartimme' },
    unit: 'count',
    source: 'agent-time',
    formula: 'handled ÷ staffed hours (computed from the two metrics above)',
    parameters: [],
    derivedFrom: ['handled', 'staffed_hours'],
    compute: ({ handled, staffed_hours: hours }) => (handled != null && hours ? handled / hours : null),
  },
  {
    id: 'repeat_rate',
    names: { en: 'Repeat contacts', fi: 'Toistuvat yhteydenotot', sv: 'Återkommande kontakter' },
    unit: 'ratio',
    source: 'repeats',
    formula: 'contacts whose customer had another contact (any channel) within repeat_window_h before ÷ contacts with a known customer; 1 − this is a first-contact-resolution proxy',
    parameters: ['repeat_window_h'],
    sql: 'countIf(nth > 1 AND gap_ms <= {repeat_window_h:UInt32} * 3600000) / nullIf(count(), 0)',
  },
  { id: 'csat_average', names: { en: 'CSAT (average 1–5)', fi: 'Asiakastyytyväisyys (ka. 1–5)', sv: 'Kundnöjdhet (medel 1–5)' }, unit: 'score', source: 'surveys', formula: 'mean CSAT answer', parameters: [], sql: "avgIf(score, kind = 'csat')" },
  {
    id: 'csat_satisfied',
    names: { en: 'CSAT satisfied', fi: 'Tyytyväisten osuus', sv: 'Andel nöjda' },
    unit: 'ratio',
    source: 'surveys',
    formula: 'CSAT answers ≥ csat_satisfied_min ÷ CSAT answers',
    parameters: ['csat_satisfied_min'],
    sql: "countIf(kind = 'csat' AND score >= {csat_satisfied_min:UInt8}) / nullIf(countIf(kind = 'csat'), 0)",
  },
  {
    id: 'nps',
    names: { en: 'Net promoter score', fi: 'Suositteluindeksi (NPS)', sv: 'NPS' },
    unit: 'points',
    source: 'surveys',
    formula: '(promoters 9–10 − detractors 0–6) ÷ NPS answers × 100',
    parameters: [],
    sql: "(countIf(kind = 'nps' AND score >= 9) - countIf(kind = 'nps' AND score <= 6)) * 100 / nullIf(countIf(kind = 'nps'), 0)",
  },
  { id: 'survey_answers', names: { en: 'Survey answers', fi: 'Kyselyvastaukset', sv: 'Enkätsvar' }, unit: 'count', source: 'surveys', formula: 'survey answers received', parameters: [], sql: 'count()' },
  { id: 'feedback_received', names: { en: 'Feedback received', fi: 'Saatu palaute', sv: 'Mottagen feedback' }, unit: 'count', source: 'feedback', formula: 'feedback items that arrived in the period', parameters: [], sql: 'count()' },
  { id: 'feedback_answered', names: { en: 'Feedback answered', fi: 'Vastattu palaute', sv: 'Besvarad feedback' }, unit: 'count', source: 'feedback', formula: 'of those, answered (by e-mail or in the record)', parameters: [], sql: 'countIf(was_answered)' },
  {
    id: 'feedback_response_hours',
    names: { en: 'Feedback response time (h)', fi: 'Palautteen vastausaika (h)', sv: 'Svarstid för feedback (h)' },
    unit: 'hours',
    source: 'feedback',
    formula: 'mean time from arrival to the first answer, answered items',
    parameters: [],
    sql: 'avgIf(response_ms, was_answered) / 3600000',
  },
  {
    id: 'feedback_on_target',
    names: { en: 'Feedback answered on target', fi: 'Palaute vastattu tavoiteajassa', sv: 'Feedback besvarad inom mål' },
    unit: 'ratio',
    source: 'feedback',
    formula: "answered within the queue's response target (else feedback_target_h) ÷ items answered or past their target",
    parameters: ['feedback_target_h'],
    sql: "countIf(was_answered AND response_ms <= target_ms) / nullIf(countIf(was_answered OR toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')}) - toUnixTimestamp64Milli(bucket_time) > target_ms), 0)",
  },
  { id: 'feedback_open', names: { en: 'Feedback still open', fi: 'Avoin palaute', sv: 'Öppen feedback' }, unit: 'count', source: 'feedback', formula: 'items that arrived in the period and are not closed', parameters: [], sql: 'countIf(NOT was_closed)' },
];

export const METRICS_BY_ID = new Map(METRICS.map((m) => [m.id, m]));

/** The metric dictionary as markdown: served in the UI and kept in the repo (analytics/METRICS.md). */
export function metricDictionaryMarkdown(parameters: Record<string, { type: string; default: number; description: string }>): string {
  const lines = [
    '# Metric dictionary',
    '',
    'Generated from `analytics/src/metrics/definitions.ts` (the test suite checks this file is current). Ratios are 0–1.',
    '',
    '| id | English | Suomi | Svenska | unit | formula | parameters |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...METRICS.map((m) => `| \`${m.id}\` | ${m.names.en} | ${m.names.fi} | ${m.names.sv} | ${m.unit} | ${m.formula} | ${m.parameters.map((p) => `\`${p}\``).join(', ')} |`),
    '',
    '## Parameters',
    '',
    '| name | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...Object.entries(parameters).map(([name, p]) => `| \`${name}\` | ${p.type} | ${p.default} | ${p.description} |`),
    '',
  ];
  return lines.join('\n');
}
