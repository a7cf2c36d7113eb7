import type { CapacityModel, Channel } from './types.ts';

/**
 * The default preset does what the seed asks: a call (or callback) takes the whole agent; a chat
 * blocks calls; up to three chats, or five emails/feedback/tasks, or a mix within the total.
 */
export const DEFAULT_CAPACITY: CapacityModel = {
  maxPerChannel: { voice: 1, callback: 1, chat: 3, email: 5, feedback: 5, task: 5 },
  weight: { voice: 60, callback: 60, chat: 20, email: 12, feedback: 12, task: 12 },
  total: 60,
  interrupts: {
    voice: ['voice', 'callback', 'chat', 'email', 'feedback', 'task'],
    callback: ['voice', 'callback', 'chat', 'email', 'feedback', 'task'],
    chat: ['voice', 'callback'],
    email: ['voice', 'callback'],
    feedback: ['voice', 'callback'],
    task: ['voice', 'callback'],
  },
  channelLock: false,
};

/** What an agent currently holds, per channel (offers, connected contacts and wrap-ups all count). */
export type Load = Map<Channel, number>;

export type CapacityVerdict = 'ok' | 'capacity' | 'interrupt' | 'channel-lock';

/** Can an agent holding `load` take one more contact of `incoming`? */
export function capacityAllows(model: CapacityModel, load: Load, incoming: Channel): CapacityVerdict {
  let used = 0;
  for (const [channel, count] of load) {
    if (count <= 0) continue;
    if (model.interrupts[channel]?.includes(incoming)) return 'interrupt';
    if (model.channelLock && channel !== incoming) return 'channel-lock';
    used += count * model.weight[channel];
  }
  if ((load.get(incoming) ?? 0) + 1 > model.maxPerChannel[incoming]) return 'capacity';
  if (used + model.weight[incoming] > model.total) return 'capacity';
  return 'ok';
}

/** How full the agent is, 0…1, by weight. */
export function loadFraction(model: CapacityModel, load: Load): number {
  let used = 0;
  for (const [channel, count] of load) used += count * model.weight[channel];
  return model.total > 0 ? used / model.total : 1;
}
