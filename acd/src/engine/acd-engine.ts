import type { AcdEvent, DecisionCandidate, DecisionTrigger, ExclusionReason, RoutingDecision } from '@cc/ingest';
import { isOpen } from '../model/business-hours.ts';
import { capacityAllows, capacityVerdict, CHANNEL_INDEX, CHANNEL_ORDER, compileCapacity, DEFAULT_CAPACITY, emptyLoad, loadRecord } from '../model/capacity.ts';
import type { AgentConfig, AgentStatus, AgentStatusInput, Channel, ContactInput, QueueConfig, ServiceRoleConfig } from '../model/types.ts';
import { STRATEGIES } from '../strategies/index.ts';
import type { Strategy } from '../strategies/strategy.ts';
import { AcdError } from './acd-error.ts';
import type { Clock } from './clock.ts';
import { addLoad, deriveState, type AgentRecord, type ContactRecord, type Offer, type WrapUp } from './runtime.ts';
import { TimerHeap } from './timer-heap.ts';
import { WaitingList } from './waiting-list.ts';

export interface AcdEngineOptions {
  clock: Clock;
  /** Receives every event, in order. A throwing listener is reported, never allowed to stop routing. */
  emit?: (event: AcdEvent) => void;
  onListenerError?: (error: unknown, event: AcdEvent) => void;
  /** Record each candidate in routing decisions (the trace). On by default. */
  trace?: boolean;
  /** How far down a queue's line an agent-side decision looks for a contact the agent fits. */
  scanLimit?: number;
}

type TimerPayload =
  | { kind: 'offer-timeout'; offerId: string; contactId: string; agentId: string }
  | { kind: 'relaxation'; contactId: string; segment: number; step: number }
  | { kind: 'preferred-timeout'; contactId: string; segment: number }
  | { kind: 'max-wait'; contactId: string; segment: number }
  | { kind: 'wrap-up-end'; agentId: string; contactId: string; token: number };

interface QueueRecord {
  config: QueueConfig;
  strategy: Strategy;
  waiting: WaitingList<ContactRecord>;
  members: Set<string>;
  /** Members in their stable order (hunt order, then id), rebuilt when membership changes. */
  order: string[] | null;
  orderAgents: AgentRecord[] | null;
  lastOffered: string | undefined;
  handleMsAverage: number;
}

export interface EnqueueResult {
  status: 'queued' | 'overflowed' | 'refused';
  queueId: string;
  reason?: 'queue-full' | 'closed-hours';
  position: number;
  estimatedWaitSeconds: number;
}

export interface QueueSnapshot {
  queueId: string;
  waiting: number;
  oldestWaitMs: number;
  estimatedWaitSeconds: number;
  agents: { idle: number; offered: number; busy: number; wrapUp: number; notReady: number; offline: number };
  /** Members who could take one more contact of each channel the queue serves, right now. */
  freeFor: Partial<Record<Channel, number>>;
}

const DEFAULT_HANDLE_SECONDS = 180;
/** Channels that wait for business hours instead of being turned away by them. */
const DEFERRABLE: ReadonlySet<Channel> = new Set(['email', 'feedback', 'task', 'callback']);
const HANDLE_AVERAGE_WEIGHT = 0.1;

/**
 * The routing engine: one logic for every channel. Pure: no I/O, no timers of its own, time from
 * the injected clock; the driver calls advanceTo(t) to fire what is due. Commands change state and
 * emit events synchronously; the same input always gives the same events.
 */
export class AcdEngine {
  private readonly clock: Clock;
  private readonly emitTo: ((event: AcdEvent) => void) | undefined;
  private readonly onListenerError: AcdEngineOptions['onListenerError'];
  private readonly traceOn: boolean;
  private readonly scanLimit: number;

  private readonly queues = new Map<string, QueueRecord>();
  private readonly roles = new Map<string, ServiceRoleConfig>();
  private readonly agents = new Map<string, AgentRecord>();
  private readonly contacts = new Map<string, ContactRecord>();
  private readonly offers = new Map<string, Offer>();
  private readonly timers = new TimerHeap<TimerPayload>();

  private firingAt: number | undefined;
  /** Bumped whenever an agent's status or memberships change: cached per-queue counts check it. */
  private rosterVersion = 0;
  private readonly servingCache = new Map<string, { version: number; serving: number }>();
  private seq = 0;
  private offerSeq = 0;
  private wrapToken = 0;
  private dispatching = false;
  /** While rebuilding from the store: state is put back without events (its facts are already written). */
  private silent = false;
  private readonly pendingContacts: string[] = [];
  private readonly pendingAgents: string[] = [];
  private readonly contactTriggers = new Map<string, DecisionTrigger>();
  private readonly agentTriggers = new Map<string, DecisionTrigger>();
  private readonly touchedAgents = new Set<string>();

  constructor(options: AcdEngineOptions) {
    this.clock = options.clock;
    this.emitTo = options.emit;
    this.onListenerError = options.onListenerError;
    this.traceOn = options.trace ?? true;
    this.scanLimit = options.scanLimit ?? 64;
  }

  // ─── configuration ───────────────────────────────────────────────────────────────────────────

  /** Adds or replaces a queue's configuration; waiting contacts stay in line. */
  upsertQueue(config: QueueConfig): void {
    const strategy = STRATEGIES[config.strategy];
    if (!strategy) throw new AcdError('INVALID_INPUT', `unknown strategy ${config.strategy}`);
    const existing = this.queues.get(config.id);
    if (existing) {
      existing.config = config;
      existing.strategy = strategy;
      existing.order = null;
      existing.orderAgents = null;
      return;
    }
    this.queues.set(config.id, {
      config,
      strategy,
      waiting: new WaitingList(),
      members: new Set(),
      order: null,
      orderAgents: null,
      lastOffered: undefined,
      handleMsAverage: (config.defaultHandleSeconds ?? DEFAULT_HANDLE_SECONDS) * 1000,
    });
    for (const agent of this.agents.values()) if (agent.memberships.has(config.id)) this.queue(config.id).members.add(agent.id);
    this.rosterVersion += 1;
  }

  /** Adds or replaces a service role; agents in it get the new memberships on the next decision. */
  upsertServiceRole(config: ServiceRoleConfig): void {
    this.roles.set(config.id, config);
    this.command(() => {
      for (const agent of this.agents.values()) {
        if (agent.serviceRoleId === config.id) this.recomputeMemberships(agent, 'service-role');
      }
    });
  }

  /** Registers an agent (signed out) or updates their skills, capacity model and service role. */
  upsertAgent(config: AgentConfig): void {
    this.command(() => {
      const existing = this.agents.get(config.id);
      const skills = new Map(Object.entries(config.skills));
      if (existing) {
        existing.skills = skills;
        existing.capacity = config.capacity ?? existing.capacity;
        existing.capacityTables = compileCapacity(existing.capacity);
        existing.room.fill(undefined);
        if (config.channels) existing.channelsEnabled = new Set(config.channels);
        if (existing.serviceRoleId !== config.serviceRoleId) {
          existing.serviceRoleId = config.serviceRoleId;
          existing.added.clear();
          existing.removed.clear();
        }
        this.recomputeMemberships(existing, 'service-role');
        return;
      }
      const agent: AgentRecord = {
        id: config.id,
        status: 'offline',
        notReadyReason: null,
        away: false,
        channelsEnabled: new Set(config.channels ?? CHANNEL_ORDER),
        skills,
        capacity: config.capacity ?? DEFAULT_CAPACITY,
        capacityTables: compileCapacity(config.capacity ?? DEFAULT_CAPACITY),
        serviceRoleId: config.serviceRoleId,
        memberships: new Map(),
        added: new Map(),
        removed: new Set(),
        offers: new Map(),
        connected: new Set(),
        wrapUps: new Map(),
        load: emptyLoad(),
        loadWithoutWrapUp: emptyLoad(),
        room: [undefined, undefined, undefined, undefined, undefined, undefined],
        lastActivityAt: this.now(),
        contactsToday: 0,
        busyMsToday: 0,
        state: 'offline',
      };
      this.agents.set(agent.id, agent);
      this.recomputeMemberships(agent, 'service-role');
    });
  }

  // ─── agent and supervisor commands ───────────────────────────────────────────────────────────

  /** The agent's intent: available, not ready (with a reason) or offline. Pending offers are withdrawn when they stop being available. */
  setAgentStatus(agentId: string, input: AgentStatusInput): void {
    this.command(() => {
      const agent = this.agent(agentId);
      const reason = input.status === 'not-ready' ? input.reason : null;
      if (agent.status === input.status && agent.notReadyReason === reason) return;
      const previousStatus = agent.status;
      agent.status = input.status;
      this.rosterVersion += 1;
      agent.notReadyReason = reason;
      this.emit({ type: 'agent.status_changed', at: this.now(), agentId, status: input.status, previousStatus, reason });
      this.touchedAgents.add(agentId);
      if (input.status === 'available') {
        if (previousStatus !== 'available') agent.lastActivityAt = this.now();
        this.markAgent(agentId, 'agent-freed');
      } else {
        this.withdrawOffersOf(agent, 'agent-unavailable');
      }
    });
  }

  /** Per-channel availability toggle ("not taking chats right now"). */
  setChannelEnabled(agentId: string, channel: Channel, enabled: boolean): void {
    this.command(() => {
      const agent = this.agent(agentId);
      if (enabled) agent.channelsEnabled.add(channel);
      else agent.channelsEnabled.delete(channel);
      if (enabled) this.markAgent(agentId, 'agent-freed');
    });
  }

  /** Switches the agent's active service role (one click, or a supervisor's move); ad-hoc changes are cleared. */
  setServiceRole(agentId: string, serviceRoleId: string | null): void {
    this.command(() => {
      if (serviceRoleId !== null && !this.roles.has(serviceRoleId)) throw new AcdError('UNKNOWN_SERVICE_ROLE', `no service role ${serviceRoleId}`);
      const agent = this.agent(agentId);
      agent.serviceRoleId = serviceRoleId;
      agent.added.clear();
      agent.removed.clear();
      this.recomputeMemberships(agent, 'service-role');
      this.markAgent(agentId, 'supervisor-change');
    });
  }

  /** Supervisor: puts the agent into a queue on top of their service role. */
  addToQueue(agentId: string, queueId: string, priority = 1): void {
    this.command(() => {
      this.queue(queueId);
      const agent = this.agent(agentId);
      agent.removed.delete(queueId);
      agent.added.set(queueId, priority);
      this.recomputeMemberships(agent, 'supervisor');
      this.markAgent(agentId, 'supervisor-change');
    });
  }

  /** Supervisor: takes the agent out of a queue (contacts already offered play out). */
  removeFromQueue(agentId: string, queueId: string): void {
    this.command(() => {
      this.queue(queueId);
      const agent = this.agent(agentId);
      agent.added.delete(queueId);
      agent.removed.add(queueId);
      this.recomputeMemberships(agent, 'supervisor');
    });
  }

  /**
   * The agent is gone (socket lost for good, browser closed): offers are withdrawn and connected
   * contacts go back in line at their original position; wrap-ups close unclassified.
   */
  disconnectAgent(agentId: string): void {
    this.command(() => {
      const agent = this.agent(agentId);
      agent.away = false;
      this.withdrawOffersOf(agent, 'agent-unavailable');
      for (const contactId of [...agent.connected]) {
        const contact = this.contact(contactId);
        this.releaseFromAgent(agent, contact);
        this.emit({ type: 'contact.requeued', at: this.now(), contactId, queueId: contact.queueId, channel: contact.channel, fromAgentId: agentId, reason: 'agent-disconnected', waitedMs: this.now() - contact.arrivedAt });
        this.putInLine(contact);
        this.markContact(contactId, 'requeued');
      }
      for (const wrap of [...agent.wrapUps.values()]) this.finishWrapUp(agent, wrap, null, 'timer');
      if (agent.status !== 'offline') {
        const previousStatus = agent.status;
        agent.status = 'offline';
        this.rosterVersion += 1;
        agent.notReadyReason = null;
        this.emit({ type: 'agent.status_changed', at: this.now(), agentId, status: 'offline', previousStatus, reason: 'disconnected' });
      }
      this.touchedAgents.add(agentId);
    });
  }

  /**
   * The agent's console is gone for now (a reload, a network blip) but they may be back within the
   * grace period: they keep their contacts and status, and get no new offers meanwhile (any pending
   * ones go to others at once). Back: routed again. Not a status change, so it leaves no event.
   */
  setAway(agentId: string, away: boolean): void {
    this.command(() => {
      const agent = this.agent(agentId);
      if (agent.away === away) return;
      agent.away = away;
      this.rosterVersion += 1;
      if (away) this.withdrawOffersOf(agent, 'agent-unavailable');
      else if (agent.status === 'available') this.markAgent(agentId, 'agent-freed');
      this.touchedAgents.add(agentId);
    });
  }

  /** A new day in the organisation's time zone: "contacts today" and busy time start again. */
  resetDailyCounters(): void {
    for (const agent of this.agents.values()) {
      agent.contactsToday = 0;
      agent.busyMsToday = 0;
    }
  }

  // ─── contact commands ────────────────────────────────────────────────────────────────────────

  /** A contact of any channel asks for service. Refused (or overflowed) when the queue is closed or full. */
  enqueue(input: ContactInput): EnqueueResult {
    let result: EnqueueResult | undefined;
    this.command(() => {
      if (this.contacts.has(input.id)) throw new AcdError('DUPLICATE_CONTACT', `contact ${input.id} exists`);
      const queue = this.queue(input.queueId);
      if (!queue.config.channels.includes(input.channel)) {
        throw new AcdError('CHANNEL_NOT_SERVED', `queue ${input.queueId} does not serve ${input.channel}`);
      }
      const now = this.now();
      const contact: ContactRecord = {
        id: input.id,
        channel: input.channel,
        queueId: input.queueId,
        priority: input.priority ?? 0,
        enqueuedAt: input.enqueuedAt ?? now,
        arrivedAt: now,
        seq: this.seq++,
        customerId: input.customerId ?? null,
        attributes: input.attributes ?? {},
        requiredSkills: input.requiredSkills ?? [],
        relaxation: [...(input.relaxation ?? [])].sort((a, b) => a.afterSeconds - b.afterSeconds),
        preferredAgentId: input.preferredAgentId ?? null,
        preferredUntil: 0,
        maxWaitSeconds: input.maxWaitSeconds ?? null,
        overflowQueueId: input.overflowQueueId ?? null,
        phase: 'waiting',
        offers: new Map(),
        agentId: null,
        declinedBy: new Set(),
        wasOffered: false,
        connectedAt: 0,
        segment: 0,
        overflowHops: 0,
        estimatedWaitSeconds: 0,
        heldSince: 0,
      };
      this.contacts.set(contact.id, contact);
      result = this.admit(contact, input.preferredAgentTimeoutSeconds ?? 0);
    });
    return result!;
  }

  /** The agent takes the offered contact: it is connected, and a ring-all's other offers are withdrawn. */
  accept(agentId: string, contactId: string): void {
    this.command(() => {
      const agent = this.agent(agentId);
      const offer = agent.offers.get(contactId);
      if (!offer) throw new AcdError('NO_SUCH_OFFER', `agent ${agentId} has no offer of ${contactId}`);
      const contact = this.contact(contactId);
      const now = this.now();
      for (const other of [...contact.offers.values()]) {
        if (other.agentId !== agentId) this.dropOffer(other, 'withdrawn', 'accepted-elsewhere');
      }
      this.removeOffer(offer);
      addLoad(agent, contact.channel, 1);
      agent.connected.add(contactId);
      agent.contactsToday += 1;
      agent.lastActivityAt = now;
      contact.phase = 'connected';
      contact.agentId = agentId;
      contact.connectedAt = now;
      this.emit({ type: 'contact.offer_accepted', at: now, contactId, queueId: contact.queueId, channel: contact.channel, agentId, offerId: offer.id, waitedMs: now - contact.arrivedAt });
      this.emit({ type: 'contact.connected', at: now, contactId, queueId: contact.queueId, channel: contact.channel, agentId });
      this.touchedAgents.add(agentId);
    });
  }

  /** The agent declines: the contact goes back to its place in line and on to someone else. */
  reject(agentId: string, contactId: string): void {
    this.command(() => {
      const offer = this.agent(agentId).offers.get(contactId);
      if (!offer) throw new AcdError('NO_SUCH_OFFER', `agent ${agentId} has no offer of ${contactId}`);
      this.dropOffer(offer, 'rejected');
    });
  }

  hold(contactId: string): void {
    this.command(() => {
      const contact = this.contact(contactId);
      if (contact.phase !== 'connected') throw new AcdError('CONTACT_NOT_CONNECTED', `contact ${contactId} is ${contact.phase}`);
      contact.phase = 'held';
      contact.heldSince = this.now();
      this.emit({ type: 'contact.held', at: this.now(), contactId, queueId: contact.queueId, channel: contact.channel, agentId: contact.agentId! });
    });
  }

  resume(contactId: string): void {
    this.command(() => {
      const contact = this.contact(contactId);
      if (contact.phase !== 'held') throw new AcdError('CONTACT_NOT_HELD', `contact ${contactId} is ${contact.phase}`);
      contact.phase = 'connected';
      const heldMs = this.now() - contact.heldSince;
      contact.heldSince = 0;
      this.emit({ type: 'contact.resumed', at: this.now(), contactId, queueId: contact.queueId, channel: contact.channel, agentId: contact.agentId!, heldMs });
    });
  }

  /**
   * Moves a contact to another queue (and optionally to one agent first): from an agent (transfer)
   * or from the line (supervisor move). It joins the target at the back, keeping its priority.
   */
  transfer(contactId: string, target: { queueId: string; agentId?: string; agentTimeoutSeconds?: number }): void {
    this.command(() => {
      const contact = this.contact(contactId);
      const queue = this.queue(target.queueId);
      if (!queue.config.channels.includes(contact.channel)) throw new AcdError('CHANNEL_NOT_SERVED', `queue ${target.queueId} does not serve ${contact.channel}`);
      if (target.agentId) this.agent(target.agentId);
      const fromAgentId = contact.agentId;
      if (contact.phase === 'connected' || contact.phase === 'held') {
        this.releaseFromAgent(this.agent(contact.agentId!), contact);
      } else if (contact.phase === 'waiting') {
        this.queue(contact.queueId).waiting.remove(contact);
      } else if (contact.phase === 'offered') {
        for (const offer of [...contact.offers.values()]) this.dropOffer(offer, 'withdrawn', 'agent-unavailable', false);
        this.queue(contact.queueId).waiting.remove(contact);
      } else {
        throw new AcdError('CONTACT_NOT_TRANSFERABLE', `contact ${contactId} is ${contact.phase}`);
      }
      this.emit({ type: 'contact.transferred', at: this.now(), contactId, queueId: contact.queueId, channel: contact.channel, fromAgentId, toQueueId: target.queueId, toAgentId: target.agentId ?? null, waitedMs: fromAgentId ? 0 : this.now() - contact.arrivedAt });
      contact.queueId = target.queueId;
      contact.enqueuedAt = this.now();
      contact.declinedBy.clear();
      contact.preferredAgentId = target.agentId ?? null;
      contact.overflowHops = 0;
      this.startSegment(contact, target.agentTimeoutSeconds ?? 30);
    });
  }

  /** Raises or lowers a waiting contact's priority (supervisor); it takes effect on the next decision. */
  setContactPriority(contactId: string, priority: number): void {
    this.command(() => {
      const contact = this.contact(contactId);
      if (contact.phase === 'closed') throw new AcdError('CONTACT_CLOSED', `contact ${contactId} is closed`);
      const previousPriority = contact.priority;
      const waiting = this.queue(contact.queueId).waiting;
      const inLine = waiting.remove(contact);
      contact.priority = priority;
      if (inLine) waiting.insert(contact);
      this.emit({ type: 'contact.priority_changed', at: this.now(), contactId, queueId: contact.queueId, channel: contact.channel, priority, previousPriority });
      if (contact.phase === 'waiting') this.markContact(contactId, 'supervisor-change');
    });
  }

  /**
   * The contact ends from the outside (customer hangs up, leaves the chat, agent sends the email and
   * closes): waiting or ringing → abandoned; with an agent → wrap-up (or closed when the queue has none).
   */
  endContact(contactId: string): void {
    this.command(() => {
      const contact = this.contact(contactId);
      const now = this.now();
      switch (contact.phase) {
        case 'waiting':
        case 'offered': {
          for (const offer of [...contact.offers.values()]) this.dropOffer(offer, 'withdrawn', 'contact-ended', false);
          this.queue(contact.queueId).waiting.remove(contact);
          contact.phase = 'closed';
          this.emit({ type: 'contact.abandoned', at: now, contactId, queueId: contact.queueId, channel: contact.channel, waitedMs: now - contact.arrivedAt, wasOffered: contact.wasOffered });
          this.close(contact, 'abandoned', null);
          return;
        }
        case 'connected':
        case 'held': {
          const agent = this.agent(contact.agentId!);
          const queue = this.queue(contact.queueId);
          agent.connected.delete(contactId);
          addLoad(agent, contact.channel, -1, 'without-wrap-up');
          agent.busyMsToday += now - contact.connectedAt;
          queue.handleMsAverage += HANDLE_AVERAGE_WEIGHT * (now - contact.connectedAt + queue.config.wrapUpSeconds * 1000 - queue.handleMsAverage);
          this.touchedAgents.add(agent.id);
          if (queue.config.wrapUpSeconds === 0 && !queue.config.classificationRequired) {
            addLoad(agent, contact.channel, -1, 'load');
            agent.lastActivityAt = now;
            this.close(contact, 'handled', agent.id);
            this.markAgent(agent.id, 'agent-freed');
            return;
          }
          // Wrap-up keeps the contact's capacity until it ends: by timer, or when classified.
          const endsAt = queue.config.classificationRequired ? null : now + queue.config.wrapUpSeconds * 1000;
          const wrap: WrapUp = { contactId, channel: contact.channel, queueId: contact.queueId, endsAt, classificationRequired: queue.config.classificationRequired, token: ++this.wrapToken };
          agent.wrapUps.set(contactId, wrap);
          contact.phase = 'wrap-up';
          this.emit({ type: 'contact.wrap_up_started', at: now, contactId, queueId: contact.queueId, channel: contact.channel, agentId: agent.id, endsAt });
          if (endsAt !== null) this.timers.push(endsAt, { kind: 'wrap-up-end', agentId: agent.id, contactId, token: wrap.token });
          return;
        }
        default:
          throw new AcdError('CONTACT_NOT_ACTIVE', `contact ${contactId} is ${contact.phase}`);
      }
    });
  }

  /** The agent classifies and finishes after-contact work; a queue with mandatory classification refuses none. */
  completeWrapUp(agentId: string, contactId: string, classification: string | null): void {
    this.command(() => {
      const agent = this.agent(agentId);
      const wrap = agent.wrapUps.get(contactId);
      if (!wrap) throw new AcdError('NOT_IN_WRAP_UP', `agent ${agentId} has no wrap-up of ${contactId}`);
      if (wrap.classificationRequired && !classification) {
        throw new AcdError('CLASSIFICATION_REQUIRED', `queue ${wrap.queueId} requires a classification`);
      }
      this.finishWrapUp(agent, wrap, classification, 'classified');
    });
  }

  // ─── rebuild after a restart ─────────────────────────────────────────────────────────────────

  /**
   * Puts back an agent's status and channel toggles as the store last saw them. Emits nothing: the
   * facts were written before the restart; what routing does next is new and is emitted.
   */
  restoreAgent(agentId: string, saved: { status: AgentStatus; reason: string | null; channelsEnabled?: Channel[] }): void {
    this.command(() => {
      const agent = this.agent(agentId);
      this.silently(() => {
        agent.status = saved.status;
        this.rosterVersion += 1;
        agent.notReadyReason = saved.status === 'not-ready' ? saved.reason : null;
        if (saved.channelsEnabled) agent.channelsEnabled = new Set(saved.channelsEnabled);
        agent.room.fill(undefined);
        agent.state = deriveState(agent);
      });
      if (saved.status === 'available') this.markAgent(agentId, 'agent-freed');
    });
  }

  /**
   * Puts back an open contact as the store last saw it: waiting at its original place (its
   * enqueue time is the position key), or with its agent, connected or in wrap-up. Emits nothing
   * for the restored state; routing then resumes. `since` is when it joined its queue (waiting),
   * was connected, or started wrap-up.
   */
  restoreContact(input: ContactInput & { phase: 'waiting' | 'connected' | 'wrap-up'; agentId?: string | null; since: number }): void {
    this.command(() => {
      if (this.contacts.has(input.id)) throw new AcdError('DUPLICATE_CONTACT', `contact ${input.id} exists`);
      const queue = this.queue(input.queueId);
      const agent = input.phase === 'waiting' ? null : this.agent(input.agentId ?? '');
      const now = this.now();
      const contact: ContactRecord = {
        id: input.id,
        channel: input.channel,
        queueId: input.queueId,
        priority: input.priority ?? 0,
        enqueuedAt: input.enqueuedAt ?? input.since,
        arrivedAt: input.since,
        seq: this.seq++,
        customerId: input.customerId ?? null,
        attributes: input.attributes ?? {},
        requiredSkills: input.requiredSkills ?? [],
        relaxation: [...(input.relaxation ?? [])].sort((a, b) => a.afterSeconds - b.afterSeconds),
        preferredAgentId: input.preferredAgentId ?? null,
        preferredUntil: 0,
        maxWaitSeconds: input.maxWaitSeconds ?? null,
        overflowQueueId: input.overflowQueueId ?? null,
        phase: 'waiting',
        offers: new Map(),
        agentId: null,
        declinedBy: new Set(),
        wasOffered: false,
        connectedAt: 0,
        segment: 1,
        overflowHops: 0,
        estimatedWaitSeconds: 0,
        heldSince: 0,
      };
      this.contacts.set(contact.id, contact);
      this.silently(() => {
        if (!agent) {
          this.putInLine(contact);
          const preferred = contact.preferredAgentId ? this.agents.get(contact.preferredAgentId) : undefined;
          const until = input.since + (input.preferredAgentTimeoutSeconds ?? 0) * 1000;
          if (preferred && preferred.status !== 'offline' && until > now) {
            contact.preferredUntil = until;
            this.timers.push(until, { kind: 'preferred-timeout', contactId: contact.id, segment: contact.segment });
          }
          for (let step = 0; step < contact.relaxation.length; step += 1) {
            this.timers.push(Math.max(now, input.since + contact.relaxation[step]!.afterSeconds * 1000), { kind: 'relaxation', contactId: contact.id, segment: contact.segment, step });
          }
          if (contact.maxWaitSeconds != null) this.timers.push(Math.max(now, input.since + contact.maxWaitSeconds * 1000), { kind: 'max-wait', contactId: contact.id, segment: contact.segment });
          return;
        }
        contact.agentId = agent.id;
        contact.connectedAt = input.since;
        if (input.phase === 'connected') {
          contact.phase = 'connected';
          agent.connected.add(contact.id);
          addLoad(agent, contact.channel, 1);
        } else {
          contact.phase = 'wrap-up';
          const endsAt = queue.config.classificationRequired ? null : Math.max(now, input.since + queue.config.wrapUpSeconds * 1000);
          const wrap: WrapUp = { contactId: contact.id, channel: contact.channel, queueId: contact.queueId, endsAt, classificationRequired: queue.config.classificationRequired, token: ++this.wrapToken };
          agent.wrapUps.set(contact.id, wrap);
          addLoad(agent, contact.channel, 1, 'load');
          if (endsAt !== null) this.timers.push(endsAt, { kind: 'wrap-up-end', agentId: agent.id, contactId: contact.id, token: wrap.token });
        }
        agent.state = deriveState(agent);
      });
      if (contact.phase === 'waiting') this.markContact(contact.id, 'requeued');
    });
  }

  // ─── time ────────────────────────────────────────────────────────────────────────────────────

  /** When the next timer is due (the driver sleeps until then), or undefined. */
  nextTimerAt(): number | undefined {
    return this.timers.peek()?.at;
  }

  /** Fires every timer due up to `time`, each at its own instant, in order. */
  advanceTo(time: number): void {
    for (let timer = this.timers.peek(); timer && timer.at <= time; timer = this.timers.peek()) {
      this.timers.pop();
      this.firingAt = timer.at;
      try {
        this.command(() => this.fire(timer.payload));
      } finally {
        this.firingAt = undefined;
      }
    }
  }

  // ─── read models ─────────────────────────────────────────────────────────────────────────────

  agentView(agentId: string) {
    const agent = this.agent(agentId);
    return {
      id: agent.id,
      status: agent.status,
      notReadyReason: agent.notReadyReason,
      state: agent.state,
      away: agent.away,
      serviceRoleId: agent.serviceRoleId,
      memberships: Object.fromEntries(agent.memberships),
      channelsEnabled: [...agent.channelsEnabled],
      offers: [...agent.offers.keys()],
      connected: [...agent.connected],
      wrapUps: [...agent.wrapUps.keys()],
      load: loadRecord(agent.load),
      contactsToday: agent.contactsToday,
      freeFor: this.freeChannels(agent),
    };
  }

  contactView(contactId: string) {
    const contact = this.contact(contactId);
    return {
      id: contact.id,
      phase: contact.phase,
      queueId: contact.queueId,
      channel: contact.channel,
      priority: contact.priority,
      enqueuedAt: contact.enqueuedAt,
      agentId: contact.agentId,
      offeredTo: [...contact.offers.keys()],
      position: contact.phase === 'waiting' ? this.queue(contact.queueId).waiting.position(contact) : 0,
    };
  }

  /** The waiting contacts of a queue, in line order. */
  line(queueId: string): string[] {
    return [...this.queue(queueId).waiting.inOrder()].map((c) => c.id);
  }

  queueSnapshot(queueId: string): QueueSnapshot {
    const queue = this.queue(queueId);
    const now = this.now();
    const agents = { idle: 0, offered: 0, busy: 0, wrapUp: 0, notReady: 0, offline: 0 };
    const freeFor: Partial<Record<Channel, number>> = {};
    for (const channel of queue.config.channels) freeFor[channel] = 0;
    for (const id of queue.members) {
      const agent = this.agents.get(id)!;
      if (agent.status === 'offline' && agent.state === 'offline') agents.offline += 1;
      else if (agent.status === 'not-ready' && agent.state === 'idle') agents.notReady += 1;
      else if (agent.state === 'wrap-up') agents.wrapUp += 1;
      else if (agent.state === 'busy') agents.busy += 1;
      else if (agent.state === 'offered') agents.offered += 1;
      else agents.idle += 1;
      for (const channel of this.freeChannels(agent)) if (channel in freeFor) freeFor[channel]! += 1;
    }
    // The line is in priority order, not arrival order: the oldest arrival needs a look at each.
    let oldestArrival = now;
    for (const contact of queue.waiting.inOrder()) oldestArrival = Math.min(oldestArrival, contact.arrivedAt);
    return {
      queueId,
      waiting: queue.waiting.size,
      oldestWaitMs: now - oldestArrival,
      estimatedWaitSeconds: this.estimatedWaitSeconds(queueId, queue.waiting.size + 1),
      agents,
      freeFor,
    };
  }

  /**
   * Estimated wait for the contact at `position`: position × average handle time ÷ members serving
   * (available, not offline). A plain, explainable estimate; the simulator can answer finer questions.
   */
  estimatedWaitSeconds(queueId: string, position: number): number {
    const queue = this.queue(queueId);
    // Every waiting customer's estimate asks this, often: count the serving members once per roster change.
    let cached = this.servingCache.get(queueId);
    if (cached?.version !== this.rosterVersion) {
      let count = 0;
      for (const id of queue.members) if (this.agents.get(id)!.status === 'available') count += 1;
      cached = { version: this.rosterVersion, serving: count };
      this.servingCache.set(queueId, cached);
    }
    const serving = cached.serving;
    if (serving === 0) return position > 0 ? Infinity : 0;
    return Math.round((position * queue.handleMsAverage) / serving / 1000);
  }

  /** Whether any member of the queue is signed in (available or not ready): someone could serve it today. */
  isStaffed(queueId: string): boolean {
    for (const id of this.queue(queueId).members) if (this.agents.get(id)!.status !== 'offline') return true;
    return false;
  }

  /** Every agent's and contact's record, for invariant checks (tests) and rebuilding views. */
  inspect() {
    return { agents: this.agents as ReadonlyMap<string, AgentRecord>, contacts: this.contacts as ReadonlyMap<string, ContactRecord>, offers: this.offers as ReadonlyMap<string, Offer> };
  }

  // ─── internals: admission, offers, wrap-up ───────────────────────────────────────────────────

  private now(): number {
    return this.firingAt ?? this.clock.now();
  }

  private admit(contact: ContactRecord, preferredTimeoutSeconds: number): EnqueueResult {
    const now = this.now();
    const queue = this.queue(contact.queueId);
    // Business hours close the door to conversations (calls, chats); what the company answers later
    // (e-mail, feedback, tasks, callback requests) is taken in at any hour and waits for the morning.
    const refusal: 'closed-hours' | 'queue-full' | null = !DEFERRABLE.has(contact.channel) && !isOpen(queue.config.businessHours, now)
      ? 'closed-hours'
      : queue.config.maxQueueLength != null && queue.waiting.size >= queue.config.maxQueueLength
        ? 'queue-full'
        : null;
    if (refusal) {
      const target = contact.overflowQueueId;
      if (target && target !== contact.queueId && contact.overflowHops < 3 && this.queues.get(target)?.config.channels.includes(contact.channel)) {
        this.emit({ type: 'contact.overflowed', at: now, contactId: contact.id, queueId: contact.queueId, channel: contact.channel, toQueueId: target, reason: refusal, waitedMs: 0 });
        contact.queueId = target;
        contact.overflowHops += 1;
        contact.overflowQueueId = null;
        const result = this.admit(contact, preferredTimeoutSeconds);
        return result.status === 'refused' ? result : { ...result, status: 'overflowed' };
      }
      contact.phase = 'closed';
      this.close(contact, refusal, null);
      return { status: 'refused', queueId: contact.queueId, reason: refusal, position: 0, estimatedWaitSeconds: 0 };
    }
    const position = this.startSegment(contact, preferredTimeoutSeconds);
    return { status: 'queued', queueId: contact.queueId, position, estimatedWaitSeconds: contact.estimatedWaitSeconds };
  }

  /** Puts the contact in line in its (current) queue, arms its timers, and asks for a decision. */
  private startSegment(contact: ContactRecord, preferredTimeoutSeconds: number): number {
    const now = this.now();
    contact.segment += 1;
    contact.arrivedAt = now;
    const preferred = contact.preferredAgentId ? this.agents.get(contact.preferredAgentId) : undefined;
    // Wait for the preferred agent only while they are signed in; otherwise go straight to the queue.
    contact.preferredUntil = preferred && preferred.status !== 'offline' ? now + preferredTimeoutSeconds * 1000 : 0;
    const position = this.putInLine(contact);
    const estimate = this.estimatedWaitSeconds(contact.queueId, position);
    contact.estimatedWaitSeconds = Number.isFinite(estimate) ? estimate : -1;
    this.emit({
      type: 'contact.enqueued',
      at: now,
      contactId: contact.id,
      queueId: contact.queueId,
      channel: contact.channel,
      priority: contact.priority,
      enqueuedAt: contact.enqueuedAt,
      position,
      estimatedWaitSeconds: contact.estimatedWaitSeconds,
      customerId: contact.customerId,
    });
    for (let step = 0; step < contact.relaxation.length; step += 1) {
      this.timers.push(now + contact.relaxation[step]!.afterSeconds * 1000, { kind: 'relaxation', contactId: contact.id, segment: contact.segment, step });
    }
    if (contact.preferredUntil > now) this.timers.push(contact.preferredUntil, { kind: 'preferred-timeout', contactId: contact.id, segment: contact.segment });
    if (contact.maxWaitSeconds != null) this.timers.push(now + contact.maxWaitSeconds * 1000, { kind: 'max-wait', contactId: contact.id, segment: contact.segment });
    this.markContact(contact.id, 'contact-arrived');
    return position;
  }

  private putInLine(contact: ContactRecord): number {
    contact.phase = 'waiting';
    contact.agentId = null;
    return this.queue(contact.queueId).waiting.insert(contact);
  }

  private makeOffer(agent: AgentRecord, contact: ContactRecord, ringAll: boolean): void {
    const queue = this.queue(contact.queueId);
    const now = this.now();
    if (contact.phase === 'waiting') queue.waiting.remove(contact);
    const offer: Offer = {
      id: `o${++this.offerSeq}`,
      contactId: contact.id,
      agentId: agent.id,
      queueId: contact.queueId,
      at: now,
      expiresAt: now + queue.config.offerTimeoutSeconds * 1000,
      ringAll,
    };
    this.offers.set(offer.id, offer);
    contact.offers.set(agent.id, offer);
    contact.phase = 'offered';
    contact.wasOffered = true;
    agent.offers.set(contact.id, offer);
    addLoad(agent, contact.channel, 1);
    queue.lastOffered = agent.id;
    this.touchedAgents.add(agent.id);
    this.timers.push(offer.expiresAt, { kind: 'offer-timeout', offerId: offer.id, contactId: contact.id, agentId: agent.id });
    this.emit({ type: 'contact.offered', at: now, contactId: contact.id, queueId: contact.queueId, channel: contact.channel, agentId: agent.id, offerId: offer.id, expiresAt: offer.expiresAt, ringAll });
  }

  /** Takes an offer off the agent and the contact, returning its capacity. */
  private removeOffer(offer: Offer): void {
    const agent = this.agent(offer.agentId);
    const contact = this.contact(offer.contactId);
    this.offers.delete(offer.id);
    agent.offers.delete(contact.id);
    contact.offers.delete(agent.id);
    addLoad(agent, contact.channel, -1);
    this.touchedAgents.add(agent.id);
  }

  /**
   * Ends an offer that was not accepted. Rejected and timed-out offers pass the contact over that
   * agent; when the contact has no offer left it goes back to its place in line and is routed again.
   */
  private dropOffer(
    offer: Offer,
    how: 'rejected' | 'timed-out' | 'withdrawn',
    reason: 'accepted-elsewhere' | 'contact-ended' | 'agent-unavailable' = 'agent-unavailable',
    requeue = true,
  ): void {
    const contact = this.contact(offer.contactId);
    const agent = this.agent(offer.agentId);
    this.removeOffer(offer);
    const base = { at: this.now(), contactId: contact.id, queueId: contact.queueId, channel: contact.channel, agentId: agent.id, offerId: offer.id };
    if (how === 'rejected') this.emit({ type: 'contact.offer_rejected', ...base });
    else if (how === 'timed-out') this.emit({ type: 'contact.offer_timed_out', ...base });
    else this.emit({ type: 'contact.offer_withdrawn', ...base, reason });
    if (how !== 'withdrawn') contact.declinedBy.add(agent.id);
    this.markAgent(agent.id, 'agent-freed');
    if (requeue && contact.offers.size === 0 && contact.phase === 'offered') {
      this.putInLine(contact);
      this.markContact(contact.id, 'offer-failed');
    }
  }

  private withdrawOffersOf(agent: AgentRecord, reason: 'agent-unavailable'): void {
    for (const offer of [...agent.offers.values()]) this.dropOffer(offer, 'withdrawn', reason);
  }

  /** Takes a connected contact away from its agent without wrap-up (transfer, disconnect). */
  private releaseFromAgent(agent: AgentRecord, contact: ContactRecord): void {
    const now = this.now();
    agent.connected.delete(contact.id);
    addLoad(agent, contact.channel, -1);
    agent.busyMsToday += now - contact.connectedAt;
    agent.lastActivityAt = now;
    contact.agentId = null;
    this.touchedAgents.add(agent.id);
    this.markAgent(agent.id, 'agent-freed');
  }

  private finishWrapUp(agent: AgentRecord, wrap: WrapUp, classification: string | null, reason: 'classified' | 'timer'): void {
    const contact = this.contact(wrap.contactId);
    agent.wrapUps.delete(wrap.contactId);
    addLoad(agent, wrap.channel, -1, 'load');
    agent.lastActivityAt = this.now();
    this.emit({ type: 'contact.wrap_up_ended', at: this.now(), contactId: contact.id, queueId: contact.queueId, channel: contact.channel, agentId: agent.id, classification, reason });
    this.close(contact, 'handled', agent.id);
    this.touchedAgents.add(agent.id);
    this.markAgent(agent.id, 'agent-freed');
  }

  private close(contact: ContactRecord, reason: Extract<AcdEvent, { type: 'contact.closed' }>['reason'], agentId: string | null): void {
    contact.phase = 'closed';
    // Only a contact that leaves from the line has a wait to tell (refused at the door, or handled: 0).
    const waitedMs = reason === 'max-wait' || reason === 'abandoned' ? this.now() - contact.arrivedAt : 0;
    this.emit({ type: 'contact.closed', at: this.now(), contactId: contact.id, queueId: contact.queueId, channel: contact.channel, reason, agentId, waitedMs });
    // Closed contacts leave memory; their story is in the events.
    this.contacts.delete(contact.id);
  }

  private fire(timer: TimerPayload): void {
    switch (timer.kind) {
      case 'offer-timeout': {
        const offer = this.offers.get(timer.offerId);
        if (!offer) return;
        const queue = this.queue(offer.queueId);
        this.dropOffer(offer, 'timed-out');
        const agent = this.agent(timer.agentId);
        if (queue.config.notReadyOnNoAnswer && agent.status === 'available') {
          agent.status = 'not-ready';
          this.rosterVersion += 1;
          agent.notReadyReason = 'no-answer';
          this.withdrawOffersOf(agent, 'agent-unavailable');
          this.emit({ type: 'agent.status_changed', at: this.now(), agentId: agent.id, status: 'not-ready', previousStatus: 'available', reason: 'no-answer' });
        }
        return;
      }
      case 'relaxation':
      case 'preferred-timeout': {
        const contact = this.contacts.get(timer.contactId);
        if (contact?.segment === timer.segment && contact.phase === 'waiting') {
          this.markContact(contact.id, timer.kind === 'relaxation' ? 'relaxation-step' : 'preferred-timeout');
        }
        return;
      }
      case 'max-wait': {
        const contact = this.contacts.get(timer.contactId);
        if (contact?.segment !== timer.segment) return;
        if (contact.phase === 'offered') {
          // Let the ringing offer play out; look again when it would expire.
          const latest = Math.max(...[...contact.offers.values()].map((o) => o.expiresAt));
          this.timers.push(latest, timer);
          return;
        }
        if (contact.phase !== 'waiting') return;
        const now = this.now();
        this.queue(contact.queueId).waiting.remove(contact);
        const target = contact.overflowQueueId;
        if (target && this.queues.get(target)?.config.channels.includes(contact.channel)) {
          this.emit({ type: 'contact.overflowed', at: now, contactId: contact.id, queueId: contact.queueId, channel: contact.channel, toQueueId: target, reason: 'max-wait', waitedMs: now - contact.arrivedAt });
          contact.queueId = target;
          contact.overflowQueueId = null;
          contact.maxWaitSeconds = null;
          contact.declinedBy.clear();
          contact.preferredAgentId = null;
          this.startSegment(contact, 0);
        } else {
          this.close(contact, 'max-wait', null);
        }
        return;
      }
      case 'wrap-up-end': {
        const agent = this.agents.get(timer.agentId);
        const wrap = agent?.wrapUps.get(timer.contactId);
        if (agent && wrap && wrap.token === timer.token) this.finishWrapUp(agent, wrap, null, 'timer');
        return;
      }
    }
  }

  // ─── internals: decisions ────────────────────────────────────────────────────────────────────

  /** Every command runs inside this: changes first, then the decisions they call for, then state events. */
  private command(change: () => void): void {
    if (this.dispatching) {
      change();
      return;
    }
    this.dispatching = true;
    try {
      change();
      this.dispatch();
    } finally {
      this.dispatching = false;
      this.flushAgentStates();
    }
  }

  private markContact(contactId: string, trigger: DecisionTrigger): void {
    if (!this.contactTriggers.has(contactId)) this.pendingContacts.push(contactId);
    this.contactTriggers.set(contactId, trigger);
  }

  private markAgent(agentId: string, trigger: DecisionTrigger): void {
    if (!this.agentTriggers.has(agentId)) this.pendingAgents.push(agentId);
    this.agentTriggers.set(agentId, trigger);
  }

  private dispatch(): void {
    // Contacts first (each picks among free agents by its queue's strategy), then freed agents
    // (each picks among waiting contacts across its queues).
    for (;;) {
      const contactId = this.pendingContacts.shift();
      if (contactId !== undefined) {
        const trigger = this.contactTriggers.get(contactId)!;
        this.contactTriggers.delete(contactId);
        const contact = this.contacts.get(contactId);
        if (contact && contact.phase === 'waiting') this.routeContact(contact, trigger);
        continue;
      }
      const agentId = this.pendingAgents.shift();
      if (agentId !== undefined) {
        const trigger = this.agentTriggers.get(agentId)!;
        this.agentTriggers.delete(agentId);
        const agent = this.agents.get(agentId);
        // An agent with room for more keeps choosing until nothing fits.
        if (agent) while (this.routeAgent(agent, trigger)) continue;
        continue;
      }
      return;
    }
  }

  private flushAgentStates(): void {
    for (const id of this.touchedAgents) {
      const agent = this.agents.get(id);
      if (!agent) continue;
      const state = deriveState(agent);
      if (state !== agent.state) {
        const previousState = agent.state;
        agent.state = state;
        this.emit({ type: 'agent.state_changed', at: this.now(), agentId: id, state, previousState });
      }
    }
    this.touchedAgents.clear();
  }

  private relaxationStep(contact: ContactRecord, now: number): number {
    let step = -1;
    const waited = now - contact.arrivedAt;
    for (let i = 0; i < contact.relaxation.length; i += 1) if (waited >= contact.relaxation[i]!.afterSeconds * 1000) step = i;
    return step;
  }

  /** Why this agent cannot take this contact now, or null when they can. */
  private exclusion(agent: AgentRecord, contact: ContactRecord, now: number, step: number): ExclusionReason | null {
    if (agent.status === 'offline') return 'offline';
    if (agent.status === 'not-ready') return 'not-ready';
    if (agent.away) return 'console-away';
    if (!agent.channelsEnabled.has(contact.channel)) return 'channel-disabled';
    // Capacity before fit: cheaper for busy agents, and the more telling reason in the trace.
    return this.capacityExclusion(agent, contact.channel) ?? this.fitExclusion(agent, contact, now, step);
  }

  /** The contact-specific part: declined before, preferred agent, membership, skills at the relaxation step. */
  private fitExclusion(agent: AgentRecord, contact: ContactRecord, now: number, step: number): ExclusionReason | null {
    if (contact.declinedBy.has(agent.id)) return 'declined-before';
    const preferredPhase = contact.preferredAgentId !== null && now < contact.preferredUntil;
    if (preferredPhase && agent.id !== contact.preferredAgentId) return 'preferred-agent-only';
    if (!preferredPhase && !agent.memberships.has(contact.queueId)) return 'not-member';
    const relaxed = step >= 0 ? contact.relaxation[step]! : undefined;
    if (!relaxed?.anyMember) {
      for (const requirement of contact.requiredSkills) {
        const needed = relaxed?.minProficiency ?? requirement.minProficiency;
        if ((agent.skills.get(requirement.skillId) ?? 0) < needed) return 'skill';
      }
    }
    return null;
  }

  /** The agent-and-channel part: capacity, interrupts, channel lock, or held by wrap-up. */
  private capacityExclusion(agent: AgentRecord, channel: Channel): ExclusionReason | null {
    const index = CHANNEL_INDEX[channel];
    const cached = agent.room[index];
    if (cached !== undefined) return cached;
    const full = capacityVerdict(agent.capacityTables, agent.loadWithoutWrapUp, index);
    const verdict = full !== 'ok' ? full : agent.wrapUps.size > 0 && capacityVerdict(agent.capacityTables, agent.load, index) !== 'ok' ? 'wrap-up' : null;
    agent.room[index] = verdict;
    return verdict;
  }

  private memberOrder(queue: QueueRecord): string[] {
    if (!queue.order) {
      const hunt = queue.config.huntOrder ?? [];
      const ranked = new Map(hunt.map((id, i) => [id, i]));
      queue.order = [...queue.members].sort((a, b) => (ranked.get(a) ?? Infinity) - (ranked.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0));
      queue.orderAgents = queue.order.map((id) => this.agents.get(id)!);
    }
    return queue.order;
  }

  /** Contact-side decision: which agent(s) get this contact, by its queue's strategy. */
  private routeContact(contact: ContactRecord, trigger: DecisionTrigger): void {
    const now = this.now();
    const queue = this.queue(contact.queueId);
    const step = this.relaxationStep(contact, now);
    const preferredPhase = contact.preferredAgentId !== null && now < contact.preferredUntil;
    const preferred = preferredPhase ? this.agents.get(contact.preferredAgentId!) : undefined;
    if (!preferredPhase) this.memberOrder(queue);
    const pool = preferredPhase ? (preferred ? [preferred] : []) : queue.orderAgents!;
    const candidates: DecisionCandidate[] = [];
    const eligible: AgentRecord[] = [];
    for (const agent of pool) {
      const reason = this.exclusion(agent, contact, now, step);
      if (reason) {
        if (this.traceOn) candidates.push({ agentId: agent.id, contactId: contact.id, queueId: queue.config.id, eligible: false, reason });
      } else {
        eligible.push(agent);
      }
    }
    const { ranked, tieBreak } = queue.strategy.rank(eligible, { now, contact, queueId: queue.config.id, lastOffered: queue.lastOffered, order: this.memberOrder(queue) });
    if (this.traceOn) {
      for (const r of ranked) candidates.push({ agentId: r.agent.id, contactId: contact.id, queueId: queue.config.id, eligible: true, score: r.score });
    }
    const chosen = queue.strategy.offersAll ? ranked.map((r) => r.agent) : ranked.slice(0, 1).map((r) => r.agent);
    this.emitDecision({
      trigger,
      contactId: contact.id,
      agentId: chosen[0]?.id ?? null,
      queueId: queue.config.id,
      strategy: queue.strategy.name,
      relaxationStep: step,
      candidates,
      chosenAgentIds: chosen.map((a) => a.id),
      chosenContactId: chosen.length > 0 ? contact.id : null,
      tieBreak: preferredPhase ? `preferred agent ${contact.preferredAgentId} first; ${tieBreak}` : tieBreak,
    });
    for (const agent of chosen) this.makeOffer(agent, contact, queue.strategy.offersAll);
  }

  /**
   * Agent-side decision: which waiting contact this agent gets, across all their queues. The order is
   * deterministic: contact priority, then the agent's membership priority, then the queue's priority,
   * then the oldest (enqueue time plus the queue's cross-queue delay), then arrival order.
   */
  private routeAgent(agent: AgentRecord, trigger: DecisionTrigger): boolean {
    if (agent.status !== 'available' || agent.away) return false;
    // For one agent at one moment, capacity depends only on the channel: decide it once per channel.
    const roomFor: (ExclusionReason | null)[] = [];
    let anyRoom = false;
    for (const channel of CHANNEL_ORDER) {
      const verdict = agent.channelsEnabled.has(channel) ? this.capacityExclusion(agent, channel) : 'channel-disabled';
      roomFor[CHANNEL_INDEX[channel]] = verdict;
      if (verdict === null) anyRoom = true;
    }
    if (!anyRoom) return false;
    const now = this.now();
    let best: { contact: ContactRecord; membership: number; queue: QueueRecord; age: number } | undefined;
    const candidates: DecisionCandidate[] = [];
    const tracing = this.traceOn;
    let considered = 0;
    for (const [queueId, membership] of agent.memberships) {
      const queue = this.queues.get(queueId);
      if (!queue || queue.waiting.size === 0) continue;
      const head = queue.waiting.first()!;
      // The line is in priority order: a queue whose head cannot beat the best so far is skipped.
      if (best && !this.mayBeat(head.priority, membership, queue.config.priority, best)) continue;
      const end = Math.min(this.scanLimit, queue.waiting.size);
      for (let i = 0; i < end; i += 1) {
        const contact = queue.waiting.at(i)!;
        if (best && !this.mayBeat(contact.priority, membership, queue.config.priority, best)) break;
        considered += 1;
        const reason = roomFor[CHANNEL_INDEX[contact.channel]] ?? this.fitExclusion(agent, contact, now, this.relaxationStep(contact, now));
        if (reason) {
          if (tracing && candidates.length < 50) candidates.push({ agentId: agent.id, contactId: contact.id, queueId, eligible: false, reason });
          continue;
        }
        const age = contact.enqueuedAt + (queue.config.crossQueueDelaySeconds ?? 0) * 1000;
        if (tracing && candidates.length < 50) candidates.push({ agentId: agent.id, contactId: contact.id, queueId, eligible: true, score: contact.priority });
        if (!best || this.before(contact, membership, queue, age, best)) best = { contact, membership, queue, age };
        break; // the first fit in a queue's line is that queue's best
      }
    }
    if (considered === 0) return false;
    this.emitDecision({
      trigger,
      contactId: best?.contact.id ?? null,
      agentId: agent.id,
      queueId: best?.queue.config.id ?? null,
      strategy: null,
      relaxationStep: best ? this.relaxationStep(best.contact, now) : -1,
      candidates,
      chosenAgentIds: best ? [agent.id] : [],
      chosenContactId: best?.contact.id ?? null,
      tieBreak: best ? `priority ${best.contact.priority}, membership ${best.membership}, queue priority ${best.queue.config.priority}, oldest` : 'no waiting contact fits',
    });
    if (!best) return false;
    this.makeOffer(agent, best.contact, best.queue.strategy.offersAll);
    return true;
  }

  /** Whether a contact of this priority, in a queue of this membership and queue priority, could still win on age. */
  private mayBeat(priority: number, membership: number, queuePriority: number, best: { contact: ContactRecord; membership: number; queue: QueueRecord }): boolean {
    if (priority !== best.contact.priority) return priority > best.contact.priority;
    if (membership !== best.membership) return membership < best.membership;
    return queuePriority >= best.queue.config.priority;
  }

  private before(
    contact: ContactRecord,
    membership: number,
    queue: QueueRecord,
    age: number,
    best: { contact: ContactRecord; membership: number; queue: QueueRecord; age: number },
  ): boolean {
    if (contact.priority !== best.contact.priority) return contact.priority > best.contact.priority;
    if (membership !== best.membership) return membership < best.membership;
    if (queue.config.priority !== best.queue.config.priority) return queue.config.priority > best.queue.config.priority;
    if (age !== best.age) return age < best.age;
    return contact.seq < best.contact.seq;
  }

  private silently(change: () => void): void {
    this.silent = true;
    try {
      change();
    } finally {
      this.silent = false;
    }
  }

  private emitDecision(decision: Omit<RoutingDecision, 'type' | 'at'>): void {
    (decision as RoutingDecision).type = 'routing.decision';
    (decision as RoutingDecision).at = this.now();
    this.emit(decision as RoutingDecision);
  }

  private freeChannels(agent: AgentRecord): Channel[] {
    if (agent.status !== 'available' || agent.away) return [];
    return [...agent.channelsEnabled].filter((channel) => capacityAllows(agent.capacity, agent.load, channel) === 'ok');
  }

  private recomputeMemberships(agent: AgentRecord, by: 'service-role' | 'supervisor'): void {
    const next = new Map<string, number>();
    const role = agent.serviceRoleId ? this.roles.get(agent.serviceRoleId) : undefined;
    for (const m of role?.memberships ?? []) next.set(m.queueId, m.priority);
    for (const [queueId, priority] of agent.added) next.set(queueId, priority);
    for (const queueId of agent.removed) next.delete(queueId);
    for (const queueId of agent.memberships.keys()) {
      if (!next.has(queueId)) {
        const queue = this.queues.get(queueId);
        if (queue) {
          queue.members.delete(agent.id);
          queue.order = null;
          queue.orderAgents = null;
        }
      }
    }
    for (const queueId of next.keys()) {
      const queue = this.queues.get(queueId);
      if (queue && !queue.members.has(agent.id)) {
        queue.members.add(agent.id);
        queue.order = null;
        queue.orderAgents = null;
      }
    }
    const changed = next.size !== agent.memberships.size || [...next].some(([q, p]) => agent.memberships.get(q) !== p);
    agent.memberships = next;
    this.rosterVersion += 1;
    if (changed) {
      this.emit({ type: 'agent.memberships_changed', at: this.now(), agentId: agent.id, serviceRoleId: agent.serviceRoleId, queueIds: [...next.keys()], by });
      this.markAgent(agent.id, 'supervisor-change');
    }
  }

  private emit(event: AcdEvent): void {
    if (!this.emitTo || this.silent) return;
    try {
      this.emitTo(event);
    } catch (error) {
      // One bad listener must not stop routing (mediasoup's safeEmit).
      this.onListenerError?.(error, event);
    }
  }

  private agent(id: string): AgentRecord {
    const agent = this.agents.get(id);
    if (!agent) throw new AcdError('UNKNOWN_AGENT', `no agent ${id}`);
    return agent;
  }

  private contact(id: string): ContactRecord {
    const contact = this.contacts.get(id);
    if (!contact) throw new AcdError('UNKNOWN_CONTACT', `no open contact ${id}`);
    return contact;
  }

  private queue(id: string): QueueRecord {
    const queue = this.queues.get(id);
    if (!queue) throw new AcdError('UNKNOWN_QUEUE', `no queue ${id}`);
    return queue;
  }
}
