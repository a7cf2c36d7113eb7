import type { Strategy } from './strategy.ts';

/**
 * Sequential hunt: always from the top of the set order; an agent who lets it ring out is passed
 * over for this contact (declined-before), so the no-answer timeout moves the hunt to the next.
 */
export const sequential: Strategy = {
  name: 'sequential',
  offersAll: false,
  rank(eligible, context) {
    const ranked = eligible
      .map((agent) => ({ agent, score: -context.order.indexOf(agent.id) }))
      .sort((a, b) => b.score - a.score);
    return { ranked, tieBreak: ranked[0] ? `first free in hunt order: ${ranked[0].agent.id} (#${1 - ranked[0].score})` : 'no eligible agent' };
  },
};
