import type { AgentRecord, ContactRecord } from '../engine/runtime.ts';
import type { StrategyName } from '../model/types.ts';

export interface StrategyContext {
  now: number;
  contact: ContactRecord;
  queueId: string;
  /** Round robin's memory: the agent offered last in this queue. */
  lastOffered: string | undefined;
  /** The queue's members in a stable order (hunt order for sequential). */
  order: readonly string[];
}

export interface Ranked {
  agent: AgentRecord;
  score: number;
}

/** Orders the eligible agents for a contact, best first, and says how the top two were told apart. */
export interface Strategy {
  name: StrategyName;
  /** Ring-all offers to every eligible agent at once. */
  offersAll: boolean;
  rank(eligible: AgentRecord[], context: StrategyContext): { ranked: Ranked[]; tieBreak: string };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Sorts by score (higher first), then longest idle, then agent id: every strategy is deterministic. */
export function rankByScore(
  eligible: AgentRecord[],
  context: StrategyContext,
  score: (agent: AgentRecord) => number,
  describe: (best: Ranked, next: Ranked) => string,
): { ranked: Ranked[]; tieBreak: string } {
  const ranked = eligible.map((agent) => ({ agent, score: score(agent) }));
  if (ranked.length < 2) return { ranked, tieBreak: ranked.length === 0 ? 'no eligible agent' : 'only eligible agent' };
  ranked.sort(
    (a, b) => b.score - a.score || a.agent.lastActivityAt - b.agent.lastActivityAt || (a.agent.id < b.agent.id ? -1 : a.agent.id > b.agent.id ? 1 : 0),
  );
  const [best, next] = ranked;
  if (!best) return { ranked, tieBreak: 'no eligible agent' };
  if (!next) return { ranked, tieBreak: 'only eligible agent' };
  if (best.score !== next.score) return { ranked, tieBreak: describe(best, next) };
  if (best.agent.lastActivityAt !== next.agent.lastActivityAt) {
    return { ranked, tieBreak: `equal score; idle ${seconds(context.now - best.agent.lastActivityAt)} > ${seconds(context.now - next.agent.lastActivityAt)}` };
  }
  return { ranked, tieBreak: `equal score and idle time; agent id ${best.agent.id} < ${next.agent.id}` };
}

export { seconds };
