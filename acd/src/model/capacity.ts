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

export const CHANNEL_ORDER: readonly Channel[] = ['voice', 'chat', 'email', 'feedback', 'callback', 'task'];
export const CHANNEL_INDEX: Readonly<Record<Channel, number>> = { voice: 0, chat: 1, email: 2, feedback: 3, callback: 4, task: 5 };

/** What an agent holds, per channel (indexed by CHANNEL_INDEX): offers, connected contacts, wrap-ups. */
export type Load = number[];

export const emptyLoad = (): Load => [0, 0, 0, 0, 0, 0];

export function loadRecord(load: Load): Partial<Record<Channel, number>> {
  const record: Partial<Record<Channel, number>> = {};
  load.forEach((count, i) => {
    if (count > 0) record[CHANNEL_ORDER[i]!] = count;
  });
  return record;
}

export function loadFromRecord(record: Partial<Record<Channel, number>>): Load {
  const load = emptyLoad();
  for (const [channel, count] of Object.entries(record) as [Channel, number][]) load[CHANNEL_INDEX[channel]] = count;
  return load;
}

/** A capacity model turned into index tables once (routing checks it thousands of times a second). */
export interface CompiledCapacity {
  weight: number[];
  max: number[];
  /** blocks[active][incoming] */
  blocks: boolean[][];
  total: number;
  lock: boolean;
}
const compiled = new WeakMap<CapacityModel, CompiledCapacity>();

export function compileCapacity(model: CapacityModel): CompiledCapacity {
  let c = compiled.get(model);
  if (!c) {
    c = {
      weight: CHANNEL_ORDER.map((ch) => model.weight[ch]),
      max: CHANNEL_ORDER.map((ch) => model.maxPerChannel[ch]),
      blocks: CHANNEL_ORDER.map((active) => CHANNEL_ORDER.map((incoming) => model.interrupts[active]?.includes(incoming) ?? false)),
      total: model.total,
      lock: model.channelLock,
    };
    compiled.set(model, c);
  }
  return c;
}

export type CapacityVerdict = 'ok' | 'capacity' | 'interrupt' | 'channel-lock';

/** Can an agent holding `load` take one more contact of `incoming`? */
export function capacityAllows(model: CapacityModel, load: Load, incoming: Channel): CapacityVerdict {
  return capacityVerdict(compileCapacity(model), load, CHANNEL_INDEX[incoming]);
}

/** The same check on compiled tables and a channel index (the engine's hot path). */
export function capacityVerdict(c: CompiledCapacity, load: Load, index: number): CapacityVerdict {
  let used = 0;
  for (let i = 0; i < 6; i += 1) {
    const count = load[i]!;
    if (count <= 0) continue;
    if (c.blocks[i]![index]) return 'interrupt';
    if (c.lock && i !== index) return 'channel-lock';
    used += count * c.weight[i]!;
  }
  if (load[index]! + 1 > c.max[index]!) return 'capacity';
  if (used + c.weight[index]! > c.total) return 'capacity';
  return 'ok';
}

/** How full the agent is, 0…1, by weight. */
export function loadFraction(model: CapacityModel, load: Load): number {
  const c = compileCapacity(model);
  let used = 0;
  for (let i = 0; i < 6; i += 1) used += load[i]! * c.weight[i]!;
  return c.total > 0 ? used / c.total : 1;
}
