import { rankByScore, seconds, type Strategy } from './strategy.ts';

/** The agent idle longest (since their last accepted or finished contact) goes first. */
export const longestIdle: Strategy = {
  name: 'longest-idle',
  offersAll: false,
  rank: (eligible, context) =>
    rankByScore(
      eligible,
      context,
      (agent) => context.now - agent.lastActivityAt,
      (best, next) => `idle ${seconds(best.score)} > ${seconds(next.score)}`,
    ),
};
