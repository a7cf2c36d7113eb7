import { parseArgs } from 'node:util';
import { erlangAMetrics, erlangCMetrics } from './erlang.ts';
import { simulate } from './simulator.ts';

// npm run sim -- --agents 20 --calls-per-hour 300 --aht 180 --hours 200 --sl-threshold 20 --seed 1 [--patience 120] [--json]
const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '20' },
    'calls-per-hour': { type: 'string', default: '300' },
    aht: { type: 'string', default: '180' },
    hours: { type: 'string', default: '200' },
    'sl-threshold': { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    patience: { type: 'string' },
    'handle-time': { type: 'string', default: 'exponential' },
    'handle-cv': { type: 'string', default: '1' },
    strategy: { type: 'string', default: 'longest-idle' },
    json: { type: 'boolean', default: false },
  },
});

const number = (name: keyof typeof values, min: number) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number ≥ ${min}`);
    process.exit(2);
  }
  return value;
};

const options = {
  agents: number('agents', 1),
  callsPerHour: number('calls-per-hour', 0.001),
  ahtSeconds: number('aht', 1),
  hours: number('hours', 0.01),
  slThresholdSeconds: number('sl-threshold', 0),
  seed: number('seed', 0),
  patienceSeconds: values.patience === undefined ? undefined : number('patience', 1),
  handleTime: values['handle-time'] === 'lognormal' ? ('lognormal' as const) : ('exponential' as const),
  handleCv: number('handle-cv', 0),
};

const started = performance.now();
const result = simulate({ ...options, strategy: values.strategy as 'longest-idle' });
const seconds = (performance.now() - started) / 1000;
const theory =
  options.patienceSeconds === undefined
    ? { model: 'erlang-c', ...erlangCMetrics(options.agents, options.callsPerHour, options.ahtSeconds, options.slThresholdSeconds) }
    : { model: 'erlang-a', ...erlangAMetrics(options.agents, options.callsPerHour, options.ahtSeconds, options.patienceSeconds, options.slThresholdSeconds) };

if (values.json) {
  console.log(JSON.stringify({ ...result, theory, wall_seconds: Number(seconds.toFixed(3)) }));
} else {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  console.log(`simulated ${options.hours} h: ${result.offered} offered, ${result.answered} answered, ${result.abandoned} abandoned (${seconds.toFixed(2)} s)`);
  console.log(`service level ${pct(result.service_level)} ± ${pct(result.standard_error.service_level)}   ${theory.model}: ${pct(theory.serviceLevel)}`);
  console.log(`ASA ${result.asa_seconds.toFixed(2)} s ± ${result.standard_error.asa_seconds.toFixed(2)}   ${theory.model}: ${theory.asaSeconds.toFixed(2)} s`);
  console.log(`occupancy ${pct(result.occupancy)}   ${theory.model}: ${pct(theory.occupancy)}`);
  if ('abandonRate' in theory) console.log(`abandoned ${pct(result.abandon_rate)} ± ${pct(result.standard_error.abandon_rate)}   erlang-a: ${pct(theory.abandonRate)}`);
}
