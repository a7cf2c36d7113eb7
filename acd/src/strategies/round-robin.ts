import type { Strategy } from './strategy.ts';

/** Round robin with memory: the next member after the one offered last, in the queue's stable order. */
export const roundRobin: Strategy = {
  name: 'round-robin',
  offersAll: false,
  rank(eligible, context) {
    const { order, lastOffered } = context;
    const start = lastOffered === undefined ? 0 : order.indexOf(lastOffered) + 1;
    const distance = (id: string) => {
      const index = order.indexOf(id);
      return (index - start + order.length) % order.length;
    };
    const ranked = eligible.map((agent) => ({ agent, score: -distance(agent.id) })).sort((a, b) => b.score - a.score);
    const tieBreak = ranked[0]
      ? `next after ${lastOffered ?? '(start)'} in rotation: ${ranked[0].agent.id}`
      : 'no eligible agent';
    return { ranked, tieBreak };
  },
};
