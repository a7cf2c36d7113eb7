import type { StrategyName } from '../model/types.ts';
import { bestSkill } from './best-skill.ts';
import { fewestContacts } from './fewest-contacts.ts';
import { leastOccupied } from './least-occupied.ts';
import { longestIdle } from './longest-idle.ts';
import { ringAll } from './ring-all.ts';
import { roundRobin } from './round-robin.ts';
import { sequential } from './sequential.ts';
import type { Strategy } from './strategy.ts';

export const STRATEGIES: Record<StrategyName, Strategy> = {
  'longest-idle': longestIdle,
  'round-robin': roundRobin,
  sequential,
  'ring-all': ringAll,
  'least-occupied': leastOccupied,
  'fewest-contacts': fewestContacts,
  'best-skill': bestSkill,
};

/** Every strategy the engine knows, for configuration forms and validation. */
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];
