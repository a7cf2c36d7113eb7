import { loadFraction } from '../model/capacity.ts';
import { rankByScore, type Strategy } from './strategy.ts';

/** The agent with the least load now goes first; equal load: least busy time today. */
export const leastOccupied: Strategy = {
  name: 'least-occupied',
  offersAll: false,
  rank: (eligible, context) =>
    rankByScore(
      eligible,
      context,
      // Load dominates; busy time today (in hours) breaks ties within one load level.
      (agent) => -(loadFraction(agent.capacity, agent.load) * 1000 + agent.busyMsToday / 3_600_000),
      (best, next) =>
        `load ${(loadFraction(best.agent.capacity, best.agent.load) * 100).toFixed(0)} % / busy ${Math.round(best.agent.busyMsToday / 1000)} s today < ` +
        `${(loadFraction(next.agent.capacity, next.agent.load) * 100).toFixed(0)} % / ${Math.round(next.agent.busyMsToday / 1000)} s`,
    ),
};
