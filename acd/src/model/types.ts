import type { AgentStatus, Channel } from '@cc/ingest';

export type { AgentStatus, AgentState, Channel } from '@cc/ingest';

export type StrategyName = 'longest-idle' | 'round-robin' | 'sequential' | 'ring-all' | 'least-occupied' | 'fewest-contacts' | 'best-skill';

/** A required skill: the agent must hold it at least at this level (1–5). */
export interface SkillRequirement {
  skillId: string;
  minProficiency: number;
}

/**
 * One relaxation step: after the contact has waited `afterSeconds` in its queue, accept agents
 * whose level is at least `minProficiency` (for every required skill), or any member of the queue.
 */
export interface RelaxationStep {
  afterSeconds: number;
  minProficiency?: number;
  anyMember?: boolean;
}

export interface WeeklyOpening {
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  day: number;
  open: string;
  close: string;
}
export interface BusinessHours {
  timeZone: string;
  weekly: WeeklyOpening[];
  /** A holiday closes its day, or opens it with other hours. */
  holidays: { date: string; open?: string; close?: string }[];
}

export interface QueueConfig {
  id: string;
  channels: Channel[];
  strategy: StrategyName;
  serviceLevel: { thresholdSeconds: number; targetPercent: number };
  wrapUpSeconds: number;
  classificationRequired: boolean;
  businessHours?: BusinessHours | null;
  maxQueueLength?: number | null;
  /** Across queues, for shared agents: higher goes first (after contact priority and membership priority). */
  priority: number;
  /** Cross-queue delay: this queue's contacts count as this much younger when an agent chooses between queues. */
  crossQueueDelaySeconds?: number;
  /** How long an offer rings before it times out. */
  offerTimeoutSeconds: number;
  /** Whether an agent who lets an offer time out goes to not-ready ("no-answer"). */
  notReadyOnNoAnswer: boolean;
  /** Sequential hunt: the order agents are tried in (members not listed come last, by id). */
  huntOrder?: string[];
  /** Seed for estimated wait before any contact has been handled. */
  defaultHandleSeconds?: number;
}

/** A service role: a named set of queue memberships, each with a priority (1 = serve first). */
export interface ServiceRoleConfig {
  id: string;
  memberships: { queueId: string; priority: number }[];
}

/**
 * The capacity model: per-channel maximum concurrency, a weighted cost against a total, an
 * interrupt matrix (an active contact of channel A blocks offers of the channels listed), and an
 * optional channel lock (while holding any contact, only that channel is offered).
 */
export interface CapacityModel {
  maxPerChannel: Record<Channel, number>;
  weight: Record<Channel, number>;
  total: number;
  interrupts: Partial<Record<Channel, Channel[]>>;
  channelLock: boolean;
}

export interface AgentConfig {
  id: string;
  skills: Record<string, number>;
  serviceRoleId: string | null;
  capacity?: CapacityModel;
  /** Channels this agent takes at all (per-channel toggles start on for these). */
  channels?: Channel[];
}

export interface ContactInput {
  id: string;
  channel: Channel;
  queueId: string;
  priority?: number;
  /** Position key: a callback passes the enqueue time of the contact it replaces. Default: now. */
  enqueuedAt?: number;
  customerId?: string | null;
  attributes?: Record<string, string>;
  requiredSkills?: SkillRequirement[];
  relaxation?: RelaxationStep[];
  preferredAgentId?: string | null;
  preferredAgentTimeoutSeconds?: number;
  maxWaitSeconds?: number | null;
  overflowQueueId?: string | null;
}

export type AgentStatusInput = { status: Exclude<AgentStatus, 'not-ready'> } | { status: 'not-ready'; reason: string };
