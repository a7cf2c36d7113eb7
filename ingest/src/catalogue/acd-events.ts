/**
 * The events the ACD engine emits (one per change), as plain typed objects. The writer stamps each
 * with event_id, organisation and schema version on its way to ClickHouse (issue 4).
 */
export const CHANNELS = ['voice', 'chat', 'email', 'feedback', 'callback', 'task'] as const;
export type Channel = (typeof CHANNELS)[number];

export type AgentStatus = 'available' | 'not-ready' | 'offline';
/** What the system sees, derived from the agent's contacts: busy beats wrap-up beats offered. */
export type AgentState = 'idle' | 'offered' | 'busy' | 'wrap-up' | 'offline';

/** Why an agent (or a contact) was left out of a routing decision. */
export type ExclusionReason =
  | 'offline'
  | 'not-ready'
  | 'console-away'
  | 'channel-disabled'
  | 'not-member'
  | 'preferred-agent-only'
  | 'skill'
  | 'capacity'
  | 'interrupt'
  | 'channel-lock'
  | 'wrap-up'
  | 'declined-before'
  | 'hunt-order';

export type DecisionTrigger =
  | 'contact-arrived'
  | 'agent-freed'
  | 'relaxation-step'
  | 'preferred-timeout'
  | 'requeued'
  | 'offer-failed'
  | 'supervisor-change';

export interface DecisionCandidate {
  agentId: string;
  contactId: string;
  queueId: string;
  eligible: boolean;
  reason?: ExclusionReason;
  /** The strategy's score (higher wins) for eligible candidates. */
  score?: number;
}

export interface RoutingDecision {
  type: 'routing.decision';
  at: number;
  trigger: DecisionTrigger;
  /** The contact being placed (contact-side decisions) or the one chosen (agent-side). */
  contactId: string | null;
  /** The agent being served (agent-side decisions) or the one chosen (contact-side). */
  agentId: string | null;
  queueId: string | null;
  strategy: string | null;
  /** Index of the relaxation step in force for the contact (-1: none). */
  relaxationStep: number;
  candidates: DecisionCandidate[];
  /** Agents offered (several for ring-all), empty when nobody fitted. */
  chosenAgentIds: string[];
  chosenContactId: string | null;
  /** How the winner was told apart from the runner-up, in words. */
  tieBreak: string;
}

/**
 * Events that take a contact out of its queue's line carry waitedMs (time since it joined that line),
 * so views can count who is still waiting, and since when, without scanning raw events.
 */
interface ContactEventBase {
  at: number;
  contactId: string;
  queueId: string;
  channel: Channel;
}

export type ContactClosedReason = 'handled' | 'abandoned' | 'queue-full' | 'closed-hours' | 'max-wait' | 'no-agents';

export type AcdEvent =
  | (ContactEventBase & { type: 'contact.enqueued'; priority: number; enqueuedAt: number; position: number; estimatedWaitSeconds: number; customerId: string | null })
  | (ContactEventBase & { type: 'contact.offered'; agentId: string; offerId: string; expiresAt: number; ringAll: boolean })
  | (ContactEventBase & { type: 'contact.offer_accepted'; agentId: string; offerId: string; waitedMs: number })
  | (ContactEventBase & { type: 'contact.offer_rejected'; agentId: string; offerId: string })
  | (ContactEventBase & { type: 'contact.offer_timed_out'; agentId: string; offerId: string })
  | (ContactEventBase & { type: 'contact.offer_withdrawn'; agentId: string; offerId: string; reason: 'accepted-elsewhere' | 'contact-ended' | 'agent-unavailable' })
  | (ContactEventBase & { type: 'contact.connected'; agentId: string })
  | (ContactEventBase & { type: 'contact.held'; agentId: string })
  | (ContactEventBase & { type: 'contact.resumed'; agentId: string; heldMs: number })
  | (ContactEventBase & { type: 'contact.transferred'; fromAgentId: string | null; toQueueId: string; toAgentId: string | null; waitedMs: number })
  | (ContactEventBase & { type: 'contact.requeued'; fromAgentId: string; reason: 'agent-disconnected' | 'agent-unavailable'; waitedMs: number })
  | (ContactEventBase & { type: 'contact.abandoned'; waitedMs: number; wasOffered: boolean })
  | (ContactEventBase & { type: 'contact.overflowed'; toQueueId: string; reason: 'max-wait' | 'queue-full' | 'closed-hours'; waitedMs: number })
  | (ContactEventBase & { type: 'contact.priority_changed'; priority: number; previousPriority: number })
  | (ContactEventBase & { type: 'contact.wrap_up_started'; agentId: string; endsAt: number | null })
  | (ContactEventBase & { type: 'contact.wrap_up_ended'; agentId: string; classification: string | null; reason: 'classified' | 'timer' })
  | (ContactEventBase & { type: 'contact.closed'; reason: ContactClosedReason; agentId: string | null; waitedMs: number })
  | { type: 'agent.status_changed'; at: number; agentId: string; status: AgentStatus; previousStatus: AgentStatus; reason: string | null }
  | { type: 'agent.state_changed'; at: number; agentId: string; state: AgentState; previousState: AgentState }
  | { type: 'agent.memberships_changed'; at: number; agentId: string; serviceRoleId: string | null; queueIds: string[]; by: 'service-role' | 'supervisor' }
  | RoutingDecision;

export type AcdEventType = AcdEvent['type'];
