import { rankByScore, type Strategy } from './strategy.ts';

/** The agent who has handled the fewest contacts today goes first. */
export const fewestContacts: Strategy = {
  name: 'fewest-contacts',
  offersAll: false,
  rank: (eligible, context) =>
    rankByScore(
      eligible,
      context,
      (agent) => -agent.contactsToday,
      (best, next) => `${-best.score} contacts today < ${-next.score}`,
    ),
};
