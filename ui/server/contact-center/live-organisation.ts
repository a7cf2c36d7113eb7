import { AcdEngine, AcdError, type AgentStatusInput, type Channel, type EnqueueResult } from '@cc/acd';
import { acdEventToRecord, CONTACT_DEFAULTS, createUuidV7Generator, FAMILIES, type AcdEvent, type EventRecord, type EventWriter } from '@cc/ingest';
import type { Kysely, Selectable, Updateable } from 'kysely';
import { AppError } from '../errors.ts';
import type { ContactStatus, Database } from '../stores/oltp/schema.ts';
import { contactErrors } from './contact-errors.ts';
import type { TranscriptMailer } from './transcript-mailer.ts';
import type { Webhooks } from './webhooks.ts';
import type { CrmLookup } from './crm-lookup.ts';
import { SURVEYED_BY_EMAIL, type Surveys } from './surveys.ts';
import { loadOrganisationConfig, type OrganisationConfig, type RoutingSettings } from './organisation-config.ts';

export interface LiveSettings extends RoutingSettings {
  /** How long an agent's console may be away (reload, network blip, server restart) before their contacts go back to the queue. */
  reconnectGraceSeconds: number;
  /** How long a customer's widget may be away before their chat counts as left (abandoned while waiting, ended with an agent). */
  customerGraceSeconds: number;
  /** A callback nobody answered is tried again after this long, keeping its place in line… */
  callbackRetrySeconds: number;
  /** …up to this many attempts in all. */
  callbackMaxAttempts: number;
}

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the views need of a contact beyond the engine's record. */
export interface ContactMeta {
  id: string;
  channel: Channel;
  customerId: string | null;
  customerName: string;
  customerLanguage: string;
  subject: string;
  attributes: Record<string, string>;
  createdAt: number;
  /** Started in the widget: the customer's socket must stay (or come back) for the chat to go on. */
  widget: boolean;
  queueId: string;
}

export interface MessageView {
  id: string;
  contactId: string;
  seq: number;
  at: number;
  from: 'customer' | 'agent' | 'system';
  senderId: string | null;
  text: string;
}

/** What the sockets are told, after it is durable. */
export type Notice =
  | { kind: 'acd'; events: AcdEvent[] }
  | { kind: 'message'; message: MessageView }
  | { kind: 'typing'; contactId: string; from: 'customer' | 'agent' }
  | { kind: 'presence'; agentId: string }
  | { kind: 'rated'; contactId: string; score: number; survey: SurveyKind }
  | { kind: 'config' }
  /** An agent calls a callback's customer back in their browser: their widget rings. */
  | { kind: 'ring'; contactId: string };

export interface NewContact {
  channel: Channel;
  queueId: string;
  customerId: string | null;
  customerName: string;
  customerLanguage: string;
  subject: string;
  attributes: Record<string, string>;
  priority: number;
  preferredAgentId: string | null;
  resumeHash: string | null;
  /** The customer's first words (a chat's opening line), stored before the contact is routed. */
  firstMessage?: string;
}

type Listener = (notice: Notice) => void;

/** CSAT 1–5 ("how satisfied"), NPS 0–10 ("how likely to recommend"). */
export type SurveyKind = 'csat' | 'nps';

export interface LiveDeps {
  db: Kysely<Database>;
  writer: EventWriter;
  now: () => number;
  settings: LiveSettings;
  log: Logger;
  /** Sends chat transcripts; null when no SMTP relay is configured. */
  mailer?: TranscriptMailer | null;
  /** Write-back to other systems; null when none are configured in this process (tests). */
  webhooks?: Webhooks | null;
  /** The company's CRM, asked before routing; null when none is configured. */
  crm?: CrmLookup | null;
  /** Survey invitations by e-mail after written contacts; null without a mail relay. */
  surveys?: Surveys | null;
}

const HISTORY_SLOTS = 120;
const HISTORY_EVERY_MS = 30_000;
const OPEN: ContactStatus[] = ['waiting', 'connected', 'wrap-up'];

/**
 * One organisation's live contact center: the ACD engine as the authoritative state, driven by
 * real time, with every change written durably (event spool, then the OLTP projection) before
 * anyone is told. Rebuilt from the OLTP store at start, so a restart loses no waiting contact.
 */
export class LiveOrganisation {
  readonly engine: AcdEngine;
  config!: OrganisationConfig;
  readonly meta = new Map<string, ContactMeta>();
  /** Waiting contacts per queue, sampled every 30 s for the last hour (the supervisor's sparkline). */
  readonly waitingHistory = new Map<string, [number, number][]>();
  /** When each agent's state (idle, busy, wrap-up, …) last changed: "time in state" on the supervisor's list. */
  readonly stateSince = new Map<string, number>();

  private pending: AcdEvent[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private draining = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt: number | undefined;
  private housekeeping: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly agentListeners = new Map<string, Set<Listener>>();
  private readonly contactListeners = new Map<string, Set<Listener>>();
  private readonly queueListeners = new Map<string, Set<Listener>>();
  private readonly sockets = new Map<string, number>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private readonly customerSockets = new Map<string, number>();
  private readonly customerTimers = new Map<string, NodeJS.Timeout>();
  private readonly messageSeq = new Map<string, number>();
  private readonly nextEventId: () => string;
  private closed = false;
  private day = '';
  /** Callbacks to try again once their wrap-up closes them: contact → when. */
  private readonly retryAt = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** Feedback items' workflow status (new, assigned, answered, closed), for their transition facts. */
  private readonly workflow = new Map<string, string>();
  /** Contacts whose customer asked for the transcript before the conversation was over. */
  private readonly transcriptWanted = new Set<string>();

  private constructor(
    readonly orgId: string,
    private readonly db: Kysely<Database>,
    private readonly writer: EventWriter,
    private readonly now: () => number,
    private readonly settings: LiveSettings,
    private readonly log: Logger,
    private readonly mailer: TranscriptMailer | null,
    private readonly webhooks: Webhooks | null,
    readonly crm: CrmLookup | null,
    private readonly surveys: Surveys | null,
  ) {
    this.nextEventId = createUuidV7Generator(now);
    this.engine = new AcdEngine({
      clock: { now },
      emit: (event) => this.pending.push(event),
      onListenerError: (error) => log.error({ err: error }, 'acd listener failed'),
    });
  }

  /** Builds the engine from the store: configuration, agents' presence, then every open contact in its place. */
  static async start(orgId: string, deps: LiveDeps): Promise<LiveOrganisation> {
    const live = new LiveOrganisation(orgId, deps.db, deps.writer, deps.now, deps.settings, deps.log, deps.mailer ?? null, deps.webhooks ?? null, deps.crm ?? null, deps.surveys ?? null);
    await live.applyConfig();
    const presence = await deps.db.selectFrom('agent_presence').selectAll().where('org_id', '=', orgId).execute();
    const open = await deps.db.selectFrom('contacts').selectAll().where('org_id', '=', orgId).where('status', 'in', OPEN).orderBy('enqueued_at').orderBy('created_at').execute();
    const agents = live.config.agentInfo;
    await live.apply(() => {
      for (const p of presence) {
        if (!agents.has(p.user_id)) continue;
        live.engine.restoreAgent(p.user_id, { status: p.status as AgentStatusInput['status'], reason: p.reason, channelsEnabled: JSON.parse(p.channels) as Channel[] });
        // Nobody's console is here yet after a restart: no offers until it comes back.
        if (p.status !== 'offline') live.engine.setAway(p.user_id, true);
      }
      for (const row of open) {
        if (!live.config.queueInfo.has(row.queue_id)) {
          deps.log.warn({ contactId: row.id, queueId: row.queue_id }, 'open contact of a removed queue left out of the rebuild');
          continue;
        }
        const withAgent = row.status !== 'waiting' && row.agent_user_id !== null && agents.has(row.agent_user_id);
        live.engine.restoreContact({
          id: row.id,
          channel: row.channel as Channel,
          queueId: row.queue_id,
          priority: row.priority,
          enqueuedAt: Number(row.enqueued_at),
          customerId: row.customer_id,
          attributes: JSON.parse(row.attributes),
          preferredAgentId: row.preferred_agent_id,
          preferredAgentTimeoutSeconds: row.preferred_timeout_seconds,
          phase: withAgent ? (row.status as 'connected' | 'wrap-up') : 'waiting',
          agentId: withAgent ? row.agent_user_id : null,
          since: Number(row.since_at),
        });
        live.meta.set(row.id, live.metaOf(row));
        if (row.workflow_status) live.workflow.set(row.id, row.workflow_status);
        // A transcript asked for before the restart still goes when the chat ends.
        if (row.transcript_email && row.transcript_sent_at === null) live.transcriptWanted.add(row.id);
      }
    });
    const scheduled = await deps.db.selectFrom('contacts').select(['id', 'not_before']).where('org_id', '=', orgId).where('status', '=', 'scheduled').execute();
    for (const row of scheduled) live.scheduleRetry(row.id, Number(row.not_before ?? 0));
    // Everyone who was signed in gets the grace period to come back before their contacts move on.
    for (const p of presence) if (p.status !== 'offline') live.startGrace(p.user_id);
    for (const row of open) if (row.agent_user_id) live.startGrace(row.agent_user_id);
    // Customers' widgets reconnect by themselves; a chat whose customer does not come back is left.
    for (const row of open) if (row.resume_hash) live.startCustomerGrace(row.id);
    live.housekeeping = setInterval(() => live.sampleHistory(), HISTORY_EVERY_MS);
    live.sampleHistory();
    return live;
  }

  /** Re-reads queues, service roles and agents (after a configuration change). */
  async reloadConfig(): Promise<void> {
    await this.applyConfig();
    this.notify({ kind: 'config' });
  }

  /** Every notice (supervisors' views). */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Notices about one agent, one contact or one queue only: with hundreds of consoles and widgets
   * open, each change reaches the sockets it concerns instead of every socket filtering every event.
   */
  /**
   * Rings the callback's customer in their browser; false when no widget of theirs is open any more
   * (only customers' widgets follow a single contact, so a listener on it is their open page).
   */
  ringCallback(contactId: string): boolean {
    if (!this.contactListeners.has(contactId)) return false;
    this.notify({ kind: 'ring', contactId });
    return true;
  }

  subscribeTo(kind: 'agent' | 'contact' | 'queue', key: string, listener: Listener): () => void {
    const map = kind === 'agent' ? this.agentListeners : kind === 'contact' ? this.contactListeners : this.queueListeners;
    const set = map.get(key) ?? new Set();
    set.add(listener);
    map.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    };
  }

  /**
   * Runs engine commands, then writes the events they made (spool for ClickHouse, projection for
   * the OLTP store) before returning and before anyone is told. Commands from many callers commit
   * together (group commit); their order is the engine's.
   */
  async apply<T>(command: () => T): Promise<T> {
    if (this.closed) throw contactErrors.shuttingDown();
    let result: T;
    try {
      result = command();
    } catch (error) {
      if (this.pending.length > 0) await this.flush();
      if (error instanceof AcdError) throw acdToAppError(error);
      throw error;
    }
    await this.flush();
    this.schedule();
    return result;
  }

  // ─── contacts ────────────────────────────────────────────────────────────────────────────────

  /** A new contact: stored first (with its opening message), then put in line. */
  async startContact(input: NewContact): Promise<{ contactId: string; result: EnqueueResult }> {
    const queue = this.config.queueInfo.get(input.queueId);
    if (!queue) throw contactErrors.unknownQueue();
    if (!queue.channels.includes(input.channel)) throw contactErrors.channelNotServed(`This queue does not take ${input.channel} contacts`);
    if (this.writer.state().status === 'full') throw contactErrors.eventsBacklogFull();
    const now = this.now();
    const contactId = this.nextEventId();
    await this.db
      .insertInto('contacts')
      .values({
        id: contactId,
        org_id: this.orgId,
        channel: input.channel,
        queue_id: input.queueId,
        customer_id: input.customerId,
        status: 'waiting',
        priority: input.priority,
        enqueued_at: now,
        since_at: now,
        agent_user_id: null,
        preferred_agent_id: input.preferredAgentId,
        preferred_timeout_seconds: this.settings.preferredAgentTimeoutSeconds,
        attributes: JSON.stringify(input.attributes),
        subject: input.subject,
        customer_name: input.customerName,
        customer_language: input.customerLanguage,
        resume_hash: input.resumeHash,
        classification_id: null,
        close_reason: null,
        rating: null,
        transcript_email: null,
        created_at: now,
        connected_at: null,
        ended_at: null,
        closed_at: null,
      })
      .execute();
    this.meta.set(contactId, {
      id: contactId,
      channel: input.channel,
      customerId: input.customerId,
      customerName: input.customerName,
      customerLanguage: input.customerLanguage,
      subject: input.subject,
      attributes: input.attributes,
      createdAt: now,
      widget: input.resumeHash !== null,
      queueId: input.queueId,
    });
    if (input.firstMessage) await this.postMessage(contactId, 'customer', null, input.firstMessage);
    const result = await this.apply(() =>
      this.engine.enqueue({
        id: contactId,
        channel: input.channel,
        queueId: input.queueId,
        priority: input.priority,
        customerId: input.customerId,
        attributes: input.attributes,
        preferredAgentId: input.preferredAgentId,
        preferredAgentTimeoutSeconds: this.settings.preferredAgentTimeoutSeconds,
      }),
    );
    return { contactId, result };
  }

  /** Web feedback on a topic: a contact of the topic's queue, in its workflow from "new". */
  async startFeedback(input: { topic: string; text: string; customerId: string | null; customerName: string; customerLanguage: string; email: string | null; segment: string | null }) {
    const topic = await this.db.selectFrom('feedback_topics').select(['code', 'queue_id']).where('org_id', '=', this.orgId).where('code', '=', input.topic).executeTakeFirst();
    if (!topic) throw new AppError('UNKNOWN_TOPIC', 400, `No feedback topic ${input.topic}`, 'topic');
    const attributes: Record<string, string> = { topic: topic.code };
    if (input.email) attributes.email = input.email;
    if (input.segment) attributes.segment = input.segment;
    return this.startContact({
      channel: 'feedback',
      queueId: topic.queue_id,
      customerId: input.customerId,
      customerName: input.customerName,
      customerLanguage: input.customerLanguage,
      subject: input.text.slice(0, 120),
      attributes,
      priority: 0,
      preferredAgentId: null,
      resumeHash: null,
      firstMessage: input.text,
    });
  }

  /**
   * A callback request or feedback from the widget: stored as a contact with what the customer
   * wrote (nothing is lost), not routed yet; the callbacks and feedback workflow (issue 7) routes it.
   */
  async recordRequest(input: { kind: 'callback' | 'feedback'; queueId: string; name: string; phone: string | null; email: string | null; text: string; preferredTime: string | null }): Promise<string> {
    const now = this.now();
    const id = this.nextEventId();
    const attributes: Record<string, string> = {};
    if (input.phone) attributes.phone = input.phone;
    if (input.email) attributes.email = input.email;
    if (input.preferredTime) attributes.preferredTime = input.preferredTime;
    await this.db
      .insertInto('contacts')
      .values({
        id,
        org_id: this.orgId,
        channel: input.kind,
        queue_id: input.queueId,
        customer_id: null,
        status: 'requested',
        priority: 0,
        enqueued_at: now,
        since_at: now,
        agent_user_id: null,
        preferred_agent_id: null,
        preferred_timeout_seconds: 0,
        attributes: JSON.stringify(attributes),
        subject: input.text.slice(0, 120),
        customer_name: input.name,
        customer_language: 'fi',
        resume_hash: null,
        classification_id: null,
        close_reason: null,
        rating: null,
        transcript_email: null,
        created_at: now,
        connected_at: null,
        ended_at: null,
        closed_at: null,
      })
      .execute();
    if (input.text) await this.db.insertInto('messages').values({ id: this.nextEventId(), org_id: this.orgId, contact_id: id, seq: 1, at: now, sender_role: 'customer', sender_id: null, body: input.text }).execute();
    return id;
  }

  /**
   * The agent's call back ended: reached, wrong number, or no answer (tried again after the retry
   * delay, keeping its original place in line, up to the maximum attempts). Ends the contact into wrap-up.
   */
  async callbackOutcome(contactId: string, agentId: string, outcome: 'reached' | 'no-answer' | 'wrong-number'): Promise<{ retryAt: number | null }> {
    const row = await this.db.selectFrom('contacts').select(['attempts', 'queue_id']).where('id', '=', contactId).executeTakeFirstOrThrow();
    const attempts = row.attempts + 1;
    const at = this.now();
    const retryAt = outcome === 'no-answer' && attempts < this.settings.callbackMaxAttempts ? at + this.settings.callbackRetrySeconds * 1000 : null;
    await this.writer.append([
      {
        table: FAMILIES.contact.table,
        row: {
          event_id: this.nextEventId(),
          org_id: this.orgId,
          at,
          type: 'contact.callback_attempted',
          version: FAMILIES.contact.version,
          ingested_at: at,
          ...CONTACT_DEFAULTS,
          contact_id: contactId,
          queue_id: row.queue_id,
          channel: 'callback',
          agent_id: agentId,
          reason: outcome,
          position: attempts,
        },
      },
    ]);
    await this.db.updateTable('contacts').set({ attempts, outcome }).where('id', '=', contactId).execute();
    if (retryAt !== null) this.retryAt.set(contactId, retryAt);
    await this.apply(() => this.engine.endContact(contactId));
    return { retryAt };
  }

  /** A closed contact comes back (a customer's reply to an answered e-mail): in line again as a new segment. */
  async reopen(contactId: string): Promise<EnqueueResult> {
    const row = await this.db.selectFrom('contacts').selectAll().where('id', '=', contactId).executeTakeFirstOrThrow();
    if (row.status !== 'closed') throw contactErrors.notEnded('The contact is still open');
    const now = this.now();
    await this.db
      .updateTable('contacts')
      .set({ status: 'waiting', enqueued_at: now, since_at: now, agent_user_id: null, close_reason: null, closed_at: null, ended_at: null, classification_id: null })
      .where('id', '=', contactId)
      .execute();
    this.meta.set(contactId, this.metaOf(row));
    return this.apply(() =>
      this.engine.enqueue({ id: contactId, channel: row.channel as Channel, queueId: row.queue_id, priority: row.priority, customerId: row.customer_id, attributes: JSON.parse(row.attributes) }),
    );
  }

  /** The contact's phase in the engine, or 'closed' once it has left. */
  phaseOf(contactId: string) {
    return this.engine.inspect().contacts.get(contactId)?.phase ?? 'closed';
  }

  /** Stores a chat message and its fact, then tells both sides. */
  async postMessage(contactId: string, from: MessageView['from'], senderId: string | null, text: string): Promise<MessageView> {
    let seq = this.messageSeq.get(contactId);
    if (seq === undefined) {
      const row = await this.db.selectFrom('messages').select((eb) => eb.fn.max('seq').as('seq')).where('contact_id', '=', contactId).executeTakeFirst();
      seq = Number(row?.seq ?? 0);
    }
    seq += 1;
    this.messageSeq.set(contactId, seq);
    const message: MessageView = { id: this.nextEventId(), contactId, seq, at: this.now(), from, senderId, text };
    await this.db
      .insertInto('messages')
      .values({ id: message.id, org_id: this.orgId, contact_id: contactId, seq, at: message.at, sender_role: from, sender_id: senderId, body: text })
      .execute();
    const meta = this.meta.get(contactId);
    await this.writer.append([
      {
        table: FAMILIES.message.table,
        row: {
          event_id: message.id,
          org_id: this.orgId,
          at: message.at,
          type: 'message.sent',
          version: FAMILIES.message.version,
          ingested_at: message.at,
          contact_id: contactId,
          message_id: message.id,
          channel: meta?.channel ?? 'chat',
          sender_role: from,
          sender_id: senderId ?? '',
          length: text.length,
        },
      },
    ]);
    this.notify({ kind: 'message', message });
    return message;
  }

  async messages(contactId: string): Promise<MessageView[]> {
    const rows = await this.db.selectFrom('messages').selectAll().where('contact_id', '=', contactId).orderBy('seq').execute();
    return rows.map((r) => ({ id: r.id, contactId: r.contact_id, seq: r.seq, at: Number(r.at), from: r.sender_role, senderId: r.sender_id, text: r.body }));
  }

  /**
   * The customer wants the conversation by e-mail: sent now if it is over, else when it ends.
   * 'unavailable' when no mail relay is configured (the widget says so).
   */
  async requestTranscript(contactId: string, email: string): Promise<'sent' | 'queued' | 'unavailable'> {
    if (!this.mailer) return 'unavailable';
    await this.db.updateTable('contacts').set({ transcript_email: email, transcript_sent_at: null }).where('id', '=', contactId).execute();
    const phase = this.phaseOf(contactId);
    if (phase === 'closed' || phase === 'wrap-up') return (await this.mailer.send(contactId)) ? 'sent' : 'unavailable';
    this.transcriptWanted.add(contactId);
    return 'queued';
  }

  /** The classification the agent chose, by id (the event carries its code). */
  async recordClassification(contactId: string, classificationId: string): Promise<void> {
    await this.db.updateTable('contacts').set({ classification_id: classificationId }).where('id', '=', contactId).execute();
    if (!this.webhooks?.wants(this.orgId, 'contact.classified')) return;
    const [data] = await this.contactFacts(this.db, [contactId]);
    if (data) await this.webhooks.emit(this.orgId, 'contact.classified', data);
  }

  /** What a webhook says about contacts: enough for a CRM to file them without calling back. */
  private async contactFacts(db: Kysely<Database>, ids: string[]): Promise<Record<string, unknown>[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('contacts')
      .leftJoin('classifications', 'classifications.id', 'contacts.classification_id')
      .leftJoin('customers', 'customers.id', 'contacts.customer_id')
      .leftJoin('queues', 'queues.id', 'contacts.queue_id')
      .leftJoin('users', 'users.id', 'contacts.agent_user_id')
      .select([
        'contacts.id',
        'contacts.channel',
        'contacts.queue_id',
        'queues.name as queue_name',
        'contacts.agent_user_id',
        'users.username as agent_username',
        'contacts.customer_id',
        'customers.external_id',
        'contacts.customer_name',
        'contacts.subject',
        'contacts.status',
        'contacts.close_reason',
        'classifications.code as classification',
        'contacts.created_at',
        'contacts.connected_at',
        'contacts.ended_at',
        'contacts.closed_at',
        'contacts.rating',
        'contacts.nps',
      ])
      .where('contacts.id', 'in', ids)
      .execute();
    const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
    return rows.map((r) => ({
      contactId: r.id,
      channel: r.channel,
      queue: { id: r.queue_id, name: r.queue_name },
      agent: r.agent_user_id ? { id: r.agent_user_id, username: r.agent_username } : null,
      customer: r.customer_id ? { id: r.customer_id, externalId: r.external_id, name: r.customer_name } : null,
      subject: r.subject,
      status: r.status,
      closeReason: r.close_reason,
      classification: r.classification,
      createdAt: iso(r.created_at),
      connectedAt: iso(r.connected_at),
      endedAt: iso(r.ended_at),
      closedAt: iso(r.closed_at),
      csat: r.rating,
      nps: r.nps,
    }));
  }

  typing(contactId: string, from: 'customer' | 'agent'): void {
    this.notify({ kind: 'typing', contactId, from });
  }

  /**
   * The customer's survey answer about an ended contact (CSAT 1–5 or NPS 0–10): once per kind,
   * stored, sent to ClickHouse tied to queue, agent and classification, and written back by webhook.
   */
  async rate(contactId: string, score: number, kind: SurveyKind = 'csat'): Promise<void> {
    const row = await this.db
      .selectFrom('contacts')
      .leftJoin('classifications', 'classifications.id', 'contacts.classification_id')
      .select(['contacts.status', 'contacts.rating', 'contacts.nps', 'contacts.queue_id', 'contacts.agent_user_id', 'contacts.channel', 'classifications.code as classification', 'contacts.customer_id'])
      .where('contacts.id', '=', contactId)
      .where('contacts.org_id', '=', this.orgId)
      .executeTakeFirst();
    if (!row) throw contactErrors.unknownContact();
    if ((kind === 'csat' ? row.rating : row.nps) !== null) throw contactErrors.alreadyRated();
    if (row.status !== 'closed' && row.status !== 'wrap-up' && row.status !== 'scheduled') throw contactErrors.notEnded('Rate the contact when it has ended');
    const max = kind === 'csat' ? 5 : 10;
    if (!Number.isInteger(score) || score < (kind === 'csat' ? 1 : 0) || score > max) throw new AppError('INVALID_SCORE', 400, `A ${kind} score is a whole number up to ${max}`, 'score');
    const at = this.now();
    await this.writer.append([
      {
        table: FAMILIES.survey.table,
        row: {
          event_id: this.nextEventId(),
          org_id: this.orgId,
          at,
          type: 'survey.answered',
          version: FAMILIES.survey.version,
          ingested_at: at,
          contact_id: contactId,
          customer_id: row.customer_id ?? '',
          queue_id: row.queue_id,
          agent_id: row.agent_user_id ?? '',
          channel: row.channel,
          classification: row.classification ?? '',
          kind,
          score,
        },
      },
    ]);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('contacts').set(kind === 'csat' ? { rating: score } : { nps: score }).where('id', '=', contactId).execute();
      if (this.webhooks?.wants(this.orgId, 'survey.answered')) {
        const [facts] = await this.contactFacts(trx, [contactId]);
        await this.webhooks.enqueue(trx, this.orgId, 'survey.answered', { survey: kind, score, contact: facts });
      }
    });
    this.webhooks?.kick();
    this.notify({ kind: 'rated', contactId, score, survey: kind });
  }

  // ─── agents' consoles ────────────────────────────────────────────────────────────────────────

  /** An agent's console connected: cancels the grace timer that would hand their contacts on. */
  attachAgent(agentId: string): void {
    this.sockets.set(agentId, (this.sockets.get(agentId) ?? 0) + 1);
    const timer = this.graceTimers.get(agentId);
    if (timer) clearTimeout(timer);
    this.graceTimers.delete(agentId);
    if (this.engine.inspect().agents.get(agentId)?.away) this.setAway(agentId, false);
  }

  /**
   * An agent's console went away: no new offers meanwhile (pending ones go to others at once), and
   * after the grace period without a new console, the agent is disconnected.
   */
  detachAgent(agentId: string): void {
    const left = (this.sockets.get(agentId) ?? 1) - 1;
    if (left > 0) {
      this.sockets.set(agentId, left);
      return;
    }
    this.sockets.delete(agentId);
    if (this.engine.inspect().agents.has(agentId)) this.setAway(agentId, true);
    this.startGrace(agentId);
  }

  private setAway(agentId: string, away: boolean): void {
    this.apply(() => this.engine.setAway(agentId, away)).catch((error: unknown) => this.log.error({ err: error, agentId }, 'could not mark a console away'));
  }

  /** A customer's widget is on the conversation (started or resumed it). */
  attachCustomer(contactId: string): void {
    this.customerSockets.set(contactId, (this.customerSockets.get(contactId) ?? 0) + 1);
    const timer = this.customerTimers.get(contactId);
    if (timer) clearTimeout(timer);
    this.customerTimers.delete(contactId);
  }

  /** The widget went away: unless it comes back within the grace period, the customer has left. */
  detachCustomer(contactId: string): void {
    const left = (this.customerSockets.get(contactId) ?? 1) - 1;
    if (left > 0) {
      this.customerSockets.set(contactId, left);
      return;
    }
    this.customerSockets.delete(contactId);
    this.startCustomerGrace(contactId);
  }

  isConnected(agentId: string): boolean {
    return (this.sockets.get(agentId) ?? 0) > 0;
  }

  /** The agent's status, saved so a restart brings it back. */
  async setStatus(agentId: string, input: AgentStatusInput): Promise<void> {
    await this.apply(() => this.engine.setAgentStatus(agentId, input));
    // Set from the supervisor's view while no console is open: the same grace as a console that left.
    if (input.status !== 'offline') this.startGrace(agentId);
  }

  async setChannel(agentId: string, channel: Channel, enabled: boolean): Promise<void> {
    await this.apply(() => this.engine.setChannelEnabled(agentId, channel, enabled));
    await this.savePresence(agentId);
    this.notify({ kind: 'presence', agentId });
  }

  // ─── lifecycle ───────────────────────────────────────────────────────────────────────────────

  /** Stops timers and writes what is pending; the state stays in the store for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.housekeeping) clearInterval(this.housekeeping);
    for (const timer of [...this.graceTimers.values(), ...this.customerTimers.values(), ...this.retryTimers.values()]) clearTimeout(timer);
    this.retryTimers.clear();
    this.graceTimers.clear();
    this.customerTimers.clear();
    this.listeners.clear();
    this.agentListeners.clear();
    this.contactListeners.clear();
    this.queueListeners.clear();
    await this.flush().catch((error: unknown) => this.log.error({ err: error }, 'could not write the last acd events'));
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  private async applyConfig(): Promise<void> {
    this.config = await loadOrganisationConfig(this.db, this.orgId, this.settings);
    const config = this.config;
    await this.apply(() => {
      for (const queue of config.queues) this.engine.upsertQueue(queue);
      for (const role of config.serviceRoles) this.engine.upsertServiceRole(role);
      for (const agent of config.agents) this.engine.upsertAgent(agent);
    });
    // Agents deactivated since: signed out, their contacts handed on.
    for (const id of this.engine.inspect().agents.keys()) {
      if (!config.agentInfo.has(id) && this.engine.agentView(id).status !== 'offline') await this.apply(() => this.engine.disconnectAgent(id));
    }
  }

  private metaOf(row: Selectable<Database['contacts']>): ContactMeta {
    return {
      id: row.id,
      channel: row.channel as Channel,
      customerId: row.customer_id,
      customerName: row.customer_name,
      customerLanguage: row.customer_language,
      subject: row.subject,
      attributes: JSON.parse(row.attributes),
      createdAt: Number(row.created_at),
      widget: row.resume_hash !== null,
      queueId: row.queue_id,
    };
  }

  private startGrace(agentId: string): void {
    if (this.closed || this.isConnected(agentId) || this.graceTimers.has(agentId)) return;
    const timer = setTimeout(() => {
      this.graceTimers.delete(agentId);
      if (this.isConnected(agentId) || !this.engine.inspect().agents.has(agentId)) return;
      this.apply(() => this.engine.disconnectAgent(agentId)).catch((error: unknown) => this.log.error({ err: error, agentId }, 'could not disconnect an agent'));
    }, this.settings.reconnectGraceSeconds * 1000);
    timer.unref();
    this.graceTimers.set(agentId, timer);
  }

  /** At `at`, a scheduled callback goes back in line with its original enqueue time (its place). */
  private scheduleRetry(contactId: string, at: number): void {
    if (this.closed || this.retryTimers.has(contactId)) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(contactId);
      this.retryNow(contactId).catch((error: unknown) => this.log.error({ err: error, contactId }, 'could not retry a callback'));
    }, Math.min(Math.max(0, at - this.now()), 2_147_000_000));
    timer.unref();
    this.retryTimers.set(contactId, timer);
  }

  private async retryNow(contactId: string): Promise<void> {
    const row = await this.db.selectFrom('contacts').selectAll().where('id', '=', contactId).executeTakeFirst();
    if (row?.status !== 'scheduled') return;
    const now = this.now();
    await this.db.updateTable('contacts').set({ status: 'waiting', since_at: now, not_before: null, agent_user_id: null, close_reason: null, closed_at: null }).where('id', '=', contactId).execute();
    this.meta.set(contactId, this.metaOf(row));
    await this.apply(() =>
      this.engine.enqueue({
        id: contactId,
        channel: row.channel as Channel,
        queueId: row.queue_id,
        priority: row.priority,
        enqueuedAt: Number(row.enqueued_at),
        customerId: row.customer_id,
        attributes: JSON.parse(row.attributes),
      }),
    );
  }

  private startCustomerGrace(contactId: string): void {
    if (this.closed || this.customerSockets.has(contactId) || this.customerTimers.has(contactId)) return;
    const timer = setTimeout(() => {
      this.customerTimers.delete(contactId);
      const phase = this.phaseOf(contactId);
      if (this.customerSockets.has(contactId) || !['waiting', 'offered', 'connected', 'held'].includes(phase)) return;
      this.apply(() => this.engine.endContact(contactId)).catch((error: unknown) => this.log.error({ err: error, contactId }, 'could not end a left chat'));
    }, this.settings.customerGraceSeconds * 1000);
    timer.unref();
    this.customerTimers.set(contactId, timer);
  }

  /** Sleeps until the engine's next timer (offer timeout, wrap-up end, VIP wait) and fires it. */
  private schedule(): void {
    if (this.closed) return;
    const next = this.engine.nextTimerAt();
    if (next === this.timerAt && (this.timer || next === undefined)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = undefined;
        this.apply(() => this.engine.advanceTo(this.now())).catch((error: unknown) => this.log.error({ err: error }, 'acd timer failed'));
      },
      Math.min(Math.max(0, next - this.now()), 3_600_000),
    );
  }

  private flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Group commit: whatever accumulated while the last batch was being written goes in the next. */
  private async drain(): Promise<void> {
    this.draining = true;
    while (this.waiters.length > 0) {
      const batch = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.persist(batch);
        for (const w of waiters) w.resolve();
        if (batch.length > 0) this.notify({ kind: 'acd', events: batch });
        this.sendWantedTranscripts(batch);
      } catch (error) {
        this.log.error({ err: error }, 'could not write acd events');
        for (const w of waiters) w.reject(error);
      }
    }
    this.draining = false;
  }

  private sendWantedTranscripts(batch: AcdEvent[]): void {
    if (this.transcriptWanted.size === 0 || !this.mailer) return;
    for (const e of batch) {
      if ((e.type === 'contact.wrap_up_started' || e.type === 'contact.closed') && this.transcriptWanted.delete(e.contactId)) {
        void this.mailer.send(e.contactId);
      }
    }
  }

  private async persist(batch: AcdEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const ingestedAt = this.now();
    const records: EventRecord[] = batch.map((event) => acdEventToRecord(event, { event_id: this.nextEventId(), org_id: this.orgId, ingested_at: ingestedAt }));
    // Feedback moves through its workflow with the contact: new when in line, assigned when an agent takes it, closed at the end.
    const moves: [string, string][] = [];
    for (const e of batch) {
      if (!('contactId' in e) || !e.contactId || e.type === 'routing.decision' || e.channel !== 'feedback') continue;
      const to = e.type === 'contact.enqueued' ? 'new' : e.type === 'contact.connected' ? 'assigned' : e.type === 'contact.closed' ? 'closed' : null;
      if (to) moves.push([e.contactId, to]);
    }
    for (const [contactId, to] of moves) {
      const record = this.workflowRecord(contactId, to, ingestedAt);
      if (record) records.push(record);
    }
    await this.writer.append(records);
    await this.project(batch);
    if (moves.length > 0) {
      for (const [contactId, to] of moves) await this.db.updateTable('contacts').set({ workflow_status: to }).where('id', '=', contactId).execute();
    }
  }

  /** A feedback item's step, as a fact for reports (volumes, response times, topics); null when it is no step. */
  private workflowRecord(contactId: string, to: string, at: number): EventRecord | null {
    const from = this.workflow.get(contactId) ?? '';
    if (from === to) return null;
    if (to === 'closed') this.workflow.delete(contactId);
    else this.workflow.set(contactId, to);
    const contact = this.engine.inspect().contacts.get(contactId);
    const meta = this.meta.get(contactId);
    return {
      table: FAMILIES.feedback.table,
      row: {
        event_id: this.nextEventId(),
        org_id: this.orgId,
        at,
        type: 'feedback.status_changed',
        version: FAMILIES.feedback.version,
        ingested_at: at,
        feedback_id: contactId,
        contact_id: contactId,
        queue_id: contact?.queueId ?? meta?.queueId ?? '',
        topic: meta?.attributes.topic ?? '',
        status: to,
        previous_status: from,
      },
    };
  }

  /** The agent answered a feedback item (by e-mail when the customer left an address). */
  async feedbackAnswered(contactId: string): Promise<void> {
    const record = this.workflowRecord(contactId, 'answered', this.now());
    if (!record) return;
    await this.writer.append([record]);
    await this.db.updateTable('contacts').set({ workflow_status: 'answered' }).where('id', '=', contactId).execute();
  }

  /** Folds a batch of events into the contacts' rows and agents' presence, in one transaction. */
  private async project(batch: AcdEvent[]): Promise<void> {
    const contacts = new Map<string, Updateable<Database['contacts']>>();
    const closed: string[] = [];
    const surveyed: string[] = [];
    const statuses = new Map<string, { status: string; reason: string | null }>();
    const change = (id: string, values: Updateable<Database['contacts']>) => contacts.set(id, { ...contacts.get(id), ...values });
    for (const e of batch) {
      switch (e.type) {
        case 'contact.enqueued':
          change(e.contactId, { status: 'waiting', queue_id: e.queueId, priority: e.priority, enqueued_at: e.enqueuedAt, since_at: e.at, agent_user_id: null });
          break;
        case 'contact.connected':
          change(e.contactId, { status: 'connected', agent_user_id: e.agentId, since_at: e.at, connected_at: e.at });
          break;
        case 'contact.requeued':
          change(e.contactId, { status: 'waiting', agent_user_id: null, since_at: e.at - e.waitedMs });
          break;
        case 'contact.transferred':
          change(e.contactId, { status: 'waiting', queue_id: e.toQueueId, agent_user_id: null });
          break;
        case 'contact.overflowed':
          change(e.contactId, { queue_id: e.toQueueId });
          break;
        case 'contact.priority_changed':
          change(e.contactId, { priority: e.priority });
          break;
        case 'contact.wrap_up_started':
          change(e.contactId, { status: 'wrap-up', since_at: e.at, ended_at: e.at });
          break;
        case 'contact.closed': {
          change(e.contactId, { status: 'closed', close_reason: e.reason, closed_at: e.at, ...(e.reason === 'handled' ? {} : { ended_at: e.at }) });
          const retryAt = this.retryAt.get(e.contactId);
          if (retryAt !== undefined) {
            // Not answered: kept for another try, when its time comes.
            this.retryAt.delete(e.contactId);
            change(e.contactId, { status: 'scheduled', not_before: retryAt });
            this.scheduleRetry(e.contactId, retryAt);
          } else {
            closed.push(e.contactId);
            if (e.reason === 'handled' && SURVEYED_BY_EMAIL.has(e.channel)) surveyed.push(e.contactId);
          }
          this.meta.delete(e.contactId);
          this.messageSeq.delete(e.contactId);
          break;
        }
        case 'agent.status_changed':
          statuses.set(e.agentId, { status: e.status, reason: e.reason });
          this.stateSince.set(e.agentId, e.at);
          break;
        case 'agent.state_changed':
          this.stateSince.set(e.agentId, e.at);
          break;
        default:
          break;
      }
    }
    if (contacts.size === 0 && statuses.size === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const [id, values] of contacts) await trx.updateTable('contacts').set(values).where('id', '=', id).execute();
      for (const agentId of statuses.keys()) await this.savePresence(agentId, trx);
      // The write-back is queued with the change it reports: both are kept, or neither.
      if (closed.length > 0 && this.webhooks?.wants(this.orgId, 'contact.closed')) {
        for (const data of await this.contactFacts(trx, closed)) await this.webhooks.enqueue(trx, this.orgId, 'contact.closed', data);
      }
    });
    if (closed.length > 0) this.webhooks?.kick();
    for (const contactId of surveyed) this.surveys?.invite(contactId).catch((error: unknown) => this.log.error({ err: error, contactId }, 'survey invitation failed'));
  }

  private async savePresence(agentId: string, db: Kysely<Database> = this.db): Promise<void> {
    const view = this.engine.agentView(agentId);
    const values = { status: view.status, reason: view.notReadyReason, channels: JSON.stringify(view.channelsEnabled), updated_at: this.now() };
    await db
      .insertInto('agent_presence')
      .values({ user_id: agentId, org_id: this.orgId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
  }

  private sampleHistory(): void {
    const now = this.now();
    // A new day in the organisation's time zone: "contacts today" start again.
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: this.config.timeZone }).format(now);
    if (this.day && day !== this.day) this.engine.resetDailyCounters();
    this.day = day;
    for (const queueId of this.config.queueInfo.keys()) {
      const series = this.waitingHistory.get(queueId) ?? [];
      series.push([now, this.engine.queueSnapshot(queueId).waiting]);
      if (series.length > HISTORY_SLOTS) series.splice(0, series.length - HISTORY_SLOTS);
      this.waitingHistory.set(queueId, series);
    }
  }

  private notify(notice: Notice): void {
    const targets = new Set<Listener>(this.listeners);
    const add = (map: Map<string, Set<Listener>>, key: string | null | undefined) => {
      const set = key ? map.get(key) : undefined;
      if (set) for (const listener of set) targets.add(listener);
    };
    const contacts = this.engine.inspect().contacts;
    const addContact = (contactId: string) => {
      add(this.contactListeners, contactId);
      const contact = contacts.get(contactId);
      if (!contact) return;
      add(this.agentListeners, contact.agentId);
      for (const agentId of contact.offers.keys()) add(this.agentListeners, agentId);
    };
    switch (notice.kind) {
      case 'acd':
        for (const event of notice.events) {
          if (event.type === 'routing.decision') continue;
          const e = event as { agentId?: string | null; fromAgentId?: string | null; toAgentId?: string | null; contactId?: string; queueId?: string; toQueueId?: string };
          add(this.agentListeners, e.agentId);
          add(this.agentListeners, e.fromAgentId);
          add(this.agentListeners, e.toAgentId);
          if (e.contactId) addContact(e.contactId);
          add(this.queueListeners, e.queueId);
          add(this.queueListeners, e.toQueueId);
        }
        break;
      case 'message':
        addContact(notice.message.contactId);
        break;
      case 'typing':
      case 'rated':
        addContact(notice.contactId);
        break;
      case 'ring':
        add(this.contactListeners, notice.contactId);
        break;
      case 'presence':
        add(this.agentListeners, notice.agentId);
        break;
      case 'config':
        for (const map of [this.agentListeners, this.contactListeners, this.queueListeners]) for (const set of map.values()) for (const l of set) targets.add(l);
        break;
    }
    for (const listener of targets) {
      try {
        listener(notice);
      } catch (error) {
        // One broken socket handler must not stop the others (mediasoup's safeEmit).
        this.log.error({ err: error }, 'contact-center listener failed');
      }
    }
  }
}

/** The engine's refusals as coded API errors: a 409 when the state does not allow it, 400 for bad input. */
export function acdToAppError(error: AcdError): AppError {
  const status = error.code.startsWith('UNKNOWN_') ? 404 : error.code === 'INVALID_INPUT' ? 400 : 409;
  return new AppError(error.code, status, error.message);
}
