import type { AcdEvent, DecisionCandidate } from './acd-events.ts';
import type { Envelope } from './columns.ts';
import { FAMILIES, type AgentRow, type ContactRow, type EventRecord, type RoutingRow } from './families.ts';

/** A contact row's own columns at their empty values; producers fill in what their event has. */
export const CONTACT_DEFAULTS = {
  agent_id: '',
  customer_id: '',
  offer_id: '',
  priority: 0,
  position: 0,
  estimated_wait_s: 0,
  enqueued_at: 0,
  waited_ms: 0,
  held_ms: 0,
  reason: '',
  classification: '',
  to_queue_id: '',
  ring_all: false,
  was_offered: false,
} as const;

/**
 * How many candidates a stored routing trace keeps: the eligible ones first (best score first),
 * then the excluded. The counts columns still tell the whole decision; a queue of thousands of
 * agents would otherwise write tens of kilobytes per decision.
 */
export const STORED_CANDIDATES = 50;

function storedCandidates(candidates: DecisionCandidate[]): DecisionCandidate[] {
  if (candidates.length <= STORED_CANDIDATES) return candidates;
  const eligible = candidates.filter((c) => c.eligible).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  return [...eligible, ...candidates.filter((c) => !c.eligible)].slice(0, STORED_CANDIDATES);
}

/** Turns one ACD event into the row of its family, with the envelope the producer stamps. */
export function acdEventToRecord(event: AcdEvent, envelope: Omit<Envelope, 'at' | 'type' | 'version'>): EventRecord {
  const base = { ...envelope, at: event.at, type: event.type };
  if (event.type === 'routing.decision') {
    const row: RoutingRow = {
      ...base,
      version: FAMILIES.routing.version,
      trigger: event.trigger,
      contact_id: event.contactId ?? '',
      agent_id: event.agentId ?? '',
      queue_id: event.queueId ?? '',
      strategy: event.strategy ?? '',
      relaxation_step: event.relaxationStep,
      chosen_agent_ids: event.chosenAgentIds,
      chosen_contact_id: event.chosenContactId ?? '',
      tie_break: event.tieBreak,
      candidates_count: event.candidates.length,
      excluded_count: event.candidates.filter((c) => !c.eligible).length,
      candidates: JSON.stringify(storedCandidates(event.candidates)),
    };
    return { table: FAMILIES.routing.table, row };
  }
  if (event.type.startsWith('agent.')) {
    const row: AgentRow = {
      ...base,
      version: FAMILIES.agent.version,
      agent_id: (event as { agentId: string }).agentId,
      status: '',
      previous_status: '',
      state: '',
      previous_state: '',
      reason: '',
      service_role_id: '',
      queue_ids: [],
    };
    if (event.type === 'agent.status_changed') Object.assign(row, { status: event.status, previous_status: event.previousStatus, reason: event.reason ?? '' });
    else if (event.type === 'agent.state_changed') Object.assign(row, { state: event.state, previous_state: event.previousState });
    else if (event.type === 'agent.memberships_changed') Object.assign(row, { service_role_id: event.serviceRoleId ?? '', queue_ids: event.queueIds, reason: event.by });
    return { table: FAMILIES.agent.table, row };
  }
  const e = event as Extract<AcdEvent, { contactId: string; queueId: string }>;
  const row: ContactRow = { ...base, version: FAMILIES.contact.version, ...CONTACT_DEFAULTS, contact_id: e.contactId, queue_id: e.queueId, channel: e.channel };
  const any = e as unknown as Record<string, unknown>;
  if (typeof any.agentId === 'string') row.agent_id = any.agentId;
  if (typeof any.fromAgentId === 'string') row.agent_id = any.fromAgentId;
  if (typeof any.offerId === 'string') row.offer_id = any.offerId;
  if (typeof any.customerId === 'string') row.customer_id = any.customerId;
  if (typeof any.priority === 'number') row.priority = any.priority;
  if (typeof any.position === 'number') row.position = any.position;
  if (typeof any.estimatedWaitSeconds === 'number') row.estimated_wait_s = any.estimatedWaitSeconds;
  if (typeof any.enqueuedAt === 'number') row.enqueued_at = any.enqueuedAt;
  if (typeof any.waitedMs === 'number') row.waited_ms = any.waitedMs;
  if (typeof any.heldMs === 'number') row.held_ms = any.heldMs;
  if (typeof any.reason === 'string') row.reason = any.reason;
  if (typeof any.classification === 'string') row.classification = any.classification;
  if (typeof any.toQueueId === 'string') row.to_queue_id = any.toQueueId;
  if (typeof any.ringAll === 'boolean') row.ring_all = any.ringAll;
  if (typeof any.wasOffered === 'boolean') row.was_offered = any.wasOffered;
  return { table: FAMILIES.contact.table, row };
}
