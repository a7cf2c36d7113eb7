import { CHANNEL_ORDER, type Channel } from '@cc/acd';
import type { LiveOrganisation } from './live-organisation.ts';

export interface OfferView {
  contactId: string;
  channel: Channel;
  queueId: string;
  queueName: string;
  customerName: string;
  subject: string;
  vip: boolean;
  offeredAt: number;
  expiresAt: number;
  /** What the customer left for us: phone, e-mail, preferred time (callbacks). */
  details: Record<string, string>;
}

export interface AgentContactView {
  contactId: string;
  channel: Channel;
  queueId: string;
  queueName: string;
  customerId: string | null;
  customerName: string;
  subject: string;
  vip: boolean;
  phase: string;
  since: number;
  classificationRequired: boolean;
  classifications: { id: string; code: string; name: string }[];
  details: Record<string, string>;
}

const DETAIL_KEYS = ['phone', 'email', 'preferredTime', 'dueAt'] as const;
const contactDetails = (attributes: Record<string, string> | undefined) =>
  Object.fromEntries(DETAIL_KEYS.flatMap((key) => (attributes?.[key] ? [[key, attributes[key]]] : [])));

/** Everything an agent's console shows about its owner, from the engine (messages go separately). */
export function agentState(org: LiveOrganisation, agentId: string) {
  const view = org.engine.agentView(agentId);
  const { agents, contacts } = org.engine.inspect();
  const agent = agents.get(agentId)!;
  const info = org.config.agentInfo.get(agentId);
  const queueName = (id: string) => org.config.queueInfo.get(id)?.name ?? id;
  const offers: OfferView[] = [...agent.offers.values()].map((offer) => {
    const meta = org.meta.get(offer.contactId);
    return {
      contactId: offer.contactId,
      channel: contacts.get(offer.contactId)?.channel ?? meta?.channel ?? 'chat',
      queueId: offer.queueId,
      queueName: queueName(offer.queueId),
      customerName: meta?.customerName ?? '',
      subject: meta?.subject ?? '',
      vip: meta?.attributes.segment === 'vip',
      offeredAt: offer.at,
      expiresAt: offer.expiresAt,
      details: contactDetails(meta?.attributes),
    };
  });
  const mine: AgentContactView[] = [...agent.connected, ...agent.wrapUps.keys()].flatMap((id) => {
    const contact = contacts.get(id);
    if (!contact) return [];
    const meta = org.meta.get(id);
    const queue = org.config.queueInfo.get(contact.queueId);
    return [
      {
        contactId: id,
        channel: contact.channel,
        queueId: contact.queueId,
        queueName: queueName(contact.queueId),
        customerId: contact.customerId,
        customerName: meta?.customerName ?? '',
        subject: meta?.subject ?? '',
        vip: meta?.attributes.segment === 'vip',
        phase: contact.phase,
        since: contact.connectedAt,
        classificationRequired: queue?.classificationRequired ?? false,
        classifications: queue?.classifications ?? [],
        details: contactDetails(meta?.attributes),
      },
    ];
  });
  return {
    me: {
      id: agentId,
      displayName: info?.displayName ?? '',
      status: view.status,
      reason: view.notReadyReason,
      state: view.state,
      channelsEnabled: view.channelsEnabled,
      serviceRoleId: view.serviceRoleId,
      serviceRoles: (info?.serviceRoleIds ?? []).map((id) => ({ id, name: org.config.serviceRoleNames.get(id) ?? id })),
      queues: Object.keys(view.memberships).map((id) => ({ id, name: queueName(id) })),
      contactsToday: view.contactsToday,
    },
    offers,
    contacts: mine,
    queues: [...org.config.queueInfo.values()].map((q) => ({ id: q.id, name: q.name, channels: q.channels })),
  };
}

export type ChannelCounts = { free: number; busy: number; wrapUp: number; notReady: number };

/**
 * The supervisor's live view, straight from the engine: per-queue tiles (waiting, oldest wait,
 * estimated wait, agents by channel), the agent list, and the waiting contacts.
 */
export function supervisorView(org: LiveOrganisation, now: number) {
  const { agents, contacts } = org.engine.inspect();
  const queueName = (id: string) => org.config.queueInfo.get(id)?.name ?? id;
  const queues = [...org.config.queueInfo.values()]
    .sort((a, b) => a.name.localeCompare(b.name, 'fi'))
    .map((q) => {
      const snapshot = org.engine.queueSnapshot(q.id);
      const byChannel: Partial<Record<Channel, ChannelCounts>> = {};
      for (const channel of q.channels) byChannel[channel] = { free: snapshot.freeFor[channel] ?? 0, busy: 0, wrapUp: 0, notReady: 0 };
      for (const agent of agents.values()) {
        if (!agent.memberships.has(q.id)) continue;
        for (const channel of q.channels) {
          const counts = byChannel[channel]!;
          if (agent.status === 'not-ready') counts.notReady += 1;
          if ([...agent.connected].some((id) => contacts.get(id)?.channel === channel)) counts.busy += 1;
          if ([...agent.wrapUps.values()].some((w) => w.channel === channel)) counts.wrapUp += 1;
        }
      }
      return {
        id: q.id,
        name: q.name,
        channels: q.channels,
        waiting: snapshot.waiting,
        oldestWaitMs: snapshot.oldestWaitMs,
        estimatedWaitSeconds: Number.isFinite(snapshot.estimatedWaitSeconds) ? snapshot.estimatedWaitSeconds : -1,
        agents: snapshot.agents,
        byChannel,
        history: org.waitingHistory.get(q.id) ?? [],
      };
    });
  const agentList = [...org.config.agentInfo.values()]
    .sort((a, b) => a.displayName.localeCompare(b.displayName, 'fi'))
    .map((info) => {
      const agent = agents.get(info.id);
      const held = agent ? [...agent.connected, ...agent.wrapUps.keys()] : [];
      return {
        id: info.id,
        name: info.displayName,
        username: info.username,
        status: agent?.status ?? 'offline',
        reason: agent?.notReadyReason ?? null,
        state: agent?.state ?? 'offline',
        since: org.stateSince.get(info.id) ?? null,
        consoleOpen: org.isConnected(info.id),
        serviceRoleId: agent?.serviceRoleId ?? null,
        serviceRoles: info.serviceRoleIds.map((id) => ({ id, name: org.config.serviceRoleNames.get(id) ?? id })),
        queues: agent ? [...agent.memberships.keys()].map((id) => ({ id, name: queueName(id) })) : [],
        contactsToday: agent?.contactsToday ?? 0,
        contacts: held.flatMap((id) => {
          const contact = contacts.get(id);
          return contact ? [{ id, channel: contact.channel, phase: contact.phase, queueName: queueName(contact.queueId), customerName: org.meta.get(id)?.customerName ?? '' }] : [];
        }),
      };
    });
  const waiting = [...contacts.values()]
    .filter((c) => c.phase === 'waiting' || c.phase === 'offered')
    .sort((a, b) => a.enqueuedAt - b.enqueuedAt)
    .map((c) => ({
      contactId: c.id,
      queueId: c.queueId,
      queueName: queueName(c.queueId),
      channel: c.channel,
      phase: c.phase,
      priority: c.priority,
      customerName: org.meta.get(c.id)?.customerName ?? '',
      vip: org.meta.get(c.id)?.attributes.segment === 'vip',
      waitingSince: c.arrivedAt,
      position: c.phase === 'waiting' ? org.engine.contactView(c.id).position : 0,
    }));
  return { type: 'live' as const, v: 1, at: now, channels: CHANNEL_ORDER, queues, agents: agentList, waiting };
}
