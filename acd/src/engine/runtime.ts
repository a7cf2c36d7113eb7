import type { AgentState, AgentStatus, CapacityModel, Channel, RelaxationStep, SkillRequirement } from '../model/types.ts';
import { CHANNEL_INDEX, type CompiledCapacity, type Load } from '../model/capacity.ts';

export interface Offer {
  id: string;
  contactId: string;
  agentId: string;
  queueId: string;
  at: number;
  expiresAt: number;
  ringAll: boolean;
}

export type ContactPhase = 'waiting' | 'offered' | 'connected' | 'held' | 'wrap-up' | 'closed';

/** A contact's live record inside the engine. */
export interface ContactRecord {
  id: string;
  channel: Channel;
  queueId: string;
  priority: number;
  /** Position key (a callback keeps the time of the contact it replaces). */
  enqueuedAt: number;
  /** When it entered its current queue: relaxation, preferred-agent and max-wait timers count from here. */
  arrivedAt: number;
  seq: number;
  customerId: string | null;
  attributes: Record<string, string>;
  requiredSkills: SkillRequirement[];
  relaxation: RelaxationStep[];
  preferredAgentId: string | null;
  preferredUntil: number;
  maxWaitSeconds: number | null;
  overflowQueueId: string | null;
  phase: ContactPhase;
  offers: Map<string, Offer>;
  agentId: string | null;
  declinedBy: Set<string>;
  wasOffered: boolean;
  connectedAt: number;
  /** Bumped whenever the contact moves queue, so timers of the old segment fall silent. */
  segment: number;
  overflowHops: number;
  /** When the current hold began (0: not on hold). */
  heldSince: number;
  /** Estimated wait when it joined its current line (seconds; -1 while nobody is serving). */
  estimatedWaitSeconds: number;
}

export interface WrapUp {
  contactId: string;
  channel: Channel;
  queueId: string;
  endsAt: number | null;
  classificationRequired: boolean;
  token: number;
}

/** An agent's live record inside the engine. */
export interface AgentRecord {
  id: string;
  status: AgentStatus;
  notReadyReason: string | null;
  /** Console gone within the reconnect grace: keeps contacts, gets no offers. */
  away: boolean;
  channelsEnabled: Set<Channel>;
  skills: Map<string, number>;
  capacity: CapacityModel;
  /** The capacity model as index tables, kept beside it. */
  capacityTables: CompiledCapacity;
  serviceRoleId: string | null;
  /** Effective memberships: the service role's, plus supervisor additions, minus removals. */
  memberships: Map<string, number>;
  added: Map<string, number>;
  removed: Set<string>;
  offers: Map<string, Offer>;
  connected: Set<string>;
  wrapUps: Map<string, WrapUp>;
  /** Offers + connected + wrap-up, per channel: what capacity checks use. */
  load: Load;
  /** Offers + connected only: tells "blocked by wrap-up" apart from "full". */
  loadWithoutWrapUp: Load;
  /** Capacity verdict per channel index, cached until the agent's load changes (undefined: not known). */
  room: (CapacityReason | null | undefined)[];
  /** Last time a contact was accepted or finished, or the agent became available (longest idle). */
  lastActivityAt: number;
  contactsToday: number;
  busyMsToday: number;
  state: AgentState;
}

export type CapacityReason = 'capacity' | 'interrupt' | 'channel-lock' | 'wrap-up';

/** Changes what an agent holds of a channel; `withoutWrapUp` too unless the change is a wrap-up's. */
export function addLoad(agent: AgentRecord, channel: Channel, delta: number, which: 'both' | 'load' | 'without-wrap-up' = 'both'): void {
  const index = CHANNEL_INDEX[channel];
  if (which !== 'without-wrap-up') agent.load[index] = Math.max(0, agent.load[index]! + delta);
  if (which !== 'load') agent.loadWithoutWrapUp[index] = Math.max(0, agent.loadWithoutWrapUp[index]! + delta);
  agent.room.fill(undefined);
}

export function deriveState(agent: AgentRecord): AgentState {
  if (agent.status === 'offline' && agent.connected.size === 0 && agent.wrapUps.size === 0) return 'offline';
  if (agent.connected.size > 0) return 'busy';
  if (agent.wrapUps.size > 0) return 'wrap-up';
  if (agent.offers.size > 0) return 'offered';
  return 'idle';
}
