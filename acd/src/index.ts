export { AcdEngine, type AcdEngineOptions, type EnqueueResult, type QueueSnapshot } from './engine/acd-engine.ts';
export { AcdError, type AcdErrorCode } from './engine/acd-error.ts';
export { STRATEGY_NAMES } from './strategies/index.ts';
export { VirtualClock, systemClock, type Clock } from './engine/clock.ts';
export { DEFAULT_CAPACITY, capacityAllows, loadFraction, loadFromRecord, loadRecord, CHANNEL_ORDER } from './model/capacity.ts';
export { isOpen } from './model/business-hours.ts';
export type * from './model/types.ts';
