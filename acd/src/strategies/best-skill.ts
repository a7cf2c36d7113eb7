import { rankByScore, type Strategy } from './strategy.ts';

/** The agent whose levels in the contact's required skills sum highest goes first (no skills: longest idle). */
export const bestSkill: Strategy = {
  name: 'best-skill',
  offersAll: false,
  rank: (eligible, context) =>
    rankByScore(
      eligible,
      context,
      (agent) => context.contact.requiredSkills.reduce((sum, req) => sum + (agent.skills.get(req.skillId) ?? 0), 0),
      (best, next) => `skill sum ${best.score} > ${next.score}`,
    ),
};
