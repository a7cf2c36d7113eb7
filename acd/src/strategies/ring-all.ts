import type { Strategy } from './strategy.ts';

/** Ring-all: every eligible agent is offered at once; the first to accept wins, the others are withdrawn. */
export const ringAll: Strategy = {
  name: 'ring-all',
  offersAll: true,
  rank(eligible) {
    const ranked = [...eligible].sort((a, b) => (a.id < b.id ? -1 : 1)).map((agent) => ({ agent, score: 0 }));
    return { ranked, tieBreak: `ring all ${ranked.length}` };
  },
};
