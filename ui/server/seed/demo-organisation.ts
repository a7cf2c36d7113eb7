import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Role } from '../access.ts';
import { hashPassword, type PasswordCost } from '../auth/passwords.ts';
import type { ConfigResource, WriteContext } from '../config-api/resource.ts';
import { businessHours, type BusinessHoursInput } from '../config-api/resources/business-hours.ts';
import { classificationGroups, type ClassificationGroupInput } from '../config-api/resources/classifications.ts';
import { queues, type QueueInput } from '../config-api/resources/queues.ts';
import { serviceRoles } from '../config-api/resources/service-roles.ts';
import { skills } from '../config-api/resources/skills.ts';
import { teams } from '../config-api/resources/teams.ts';
import { users, type Language } from '../config-api/resources/users.ts';
import type { Database } from '../stores/oltp/schema.ts';

/** A fresh per-organisation secret for signing customer tokens. */
export const newWidgetSecret = () => randomBytes(32).toString('base64url');

/** The password of every demo sign-in (README lists them). Demo data only. */
export const DEMO_PASSWORD = 'demo-password';

export const DEMO_STAFF: readonly { username: string; displayName: string; roles: Role[]; language: Language }[] = [
  { username: 'admin', displayName: 'Ada Ylläpitäjä', roles: ['admin'], language: 'fi' },
  { username: 'supervisor', displayName: 'Sanna Esimies', roles: ['supervisor'], language: 'fi' },
  { username: 'qa', displayName: 'Kalle Laatu', roles: ['qa'], language: 'fi' },
  { username: 'analyst', displayName: 'Anna Analyytikko', roles: ['analyst'], language: 'en' },
];

type AgentSeed = { name: string; language: Language; skills: Record<string, number>; roles: string[]; team: string };
const AGENTS: AgentSeed[] = [
  { name: 'Aino Virtanen', language: 'fi', skills: { fi: 5, en: 4, sales: 4 }, roles: ['Myynti', 'VIP-palvelu'], team: 'Tiimi Helsinki' },
  { name: 'Eero Korhonen', language: 'fi', skills: { fi: 5, en: 3, tech: 4 }, roles: ['Asiakaspalvelu', 'Monikanava'], team: 'Tiimi Helsinki' },
  { name: 'Linnea Nyström', language: 'sv', skills: { sv: 5, fi: 4, en: 4, billing: 3 }, roles: ['Asiakaspalvelu', 'Laskutus'], team: 'Tiimi Helsinki' },
  { name: 'Mikko Mäkinen', language: 'fi', skills: { fi: 5, billing: 5 }, roles: ['Laskutus', 'Asiakaspalvelu'], team: 'Tiimi Helsinki' },
  { name: 'Sofia Lindqvist', language: 'sv', skills: { sv: 5, en: 5, sales: 3 }, roles: ['Myynti', 'Monikanava'], team: 'Tiimi Helsinki' },
  { name: 'Juha Nieminen', language: 'fi', skills: { fi: 5, tech: 5, en: 3 }, roles: ['Asiakaspalvelu'], team: 'Tiimi Tampere' },
  { name: 'Emma Heikkinen', language: 'fi', skills: { fi: 5, sales: 5, en: 4 }, roles: ['VIP-palvelu', 'Myynti'], team: 'Tiimi Tampere' },
  { name: 'Oskar Berg', language: 'sv', skills: { sv: 5, fi: 3, tech: 3 }, roles: ['Asiakaspalvelu', 'Monikanava'], team: 'Tiimi Tampere' },
  { name: 'Helmi Koskinen', language: 'fi', skills: { fi: 5, billing: 4, en: 2 }, roles: ['Laskutus'], team: 'Tiimi Tampere' },
  { name: 'Daniel Smith', language: 'en', skills: { en: 5, fi: 2, tech: 4 }, roles: ['Monikanava', 'Asiakaspalvelu'], team: 'Tiimi Tampere' },
];

const SKILLS: Record<string, { name: string; description: string }> = {
  fi: { name: 'Suomi', description: 'Palvelee suomeksi / Finnish' },
  sv: { name: 'Svenska', description: 'Betjänar på svenska / Swedish' },
  en: { name: 'English', description: 'Serves in English' },
  billing: { name: 'Laskutus', description: 'Invoices and payments' },
  tech: { name: 'Tekninen tuki', description: 'Technical support' },
  sales: { name: 'Myynti', description: 'Sales and offers' },
};

const weekdays = (open: string, close: string) => [1, 2, 3, 4, 5].map((day) => ({ day, open, close }));
const FINNISH_HOLIDAYS = [
  { date: '2026-12-06', name: 'Itsenäisyyspäivä' },
  { date: '2026-12-24', name: 'Jouluaatto' },
  { date: '2026-12-25', name: 'Joulupäivä' },
  { date: '2026-12-26', name: 'Tapaninpäivä' },
  { date: '2026-12-31', name: 'Uudenvuodenaatto', open: '08:00', close: '14:00' },
  { date: '2027-01-01', name: 'Uudenvuodenpäivä' },
  { date: '2027-01-06', name: 'Loppiainen' },
  { date: '2027-03-26', name: 'Pitkäperjantai' },
  { date: '2027-03-29', name: '2. pääsiäispäivä' },
  { date: '2027-05-01', name: 'Vappu' },
  { date: '2027-05-06', name: 'Helatorstai' },
  { date: '2027-06-25', name: 'Juhannusaatto' },
];

const CALENDARS: Record<string, BusinessHoursInput> = {
  office: { name: 'Arkisin 8–18', timeZone: 'Europe/Helsinki', weekly: [...weekdays('08:00', '18:00'), { day: 6, open: '10:00', close: '14:00' }], holidays: FINNISH_HOLIDAYS },
  extended: {
    name: 'Laajennettu 7–22',
    timeZone: 'Europe/Helsinki',
    weekly: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '07:00', close: '22:00' })),
    holidays: FINNISH_HOLIDAYS.filter((h) => h.date.endsWith('-24') || h.date.endsWith('-25')),
  },
};

const CLASSIFICATIONS: Record<string, ClassificationGroupInput> = {
  service: {
    name: 'Asiakaspalvelu',
    classifications: [
      { code: 'order-status', name: 'Tilauksen tila / Order status' },
      { code: 'invoice', name: 'Laskukysymys / Invoice question' },
      { code: 'technical', name: 'Tekninen vika / Technical issue' },
      { code: 'complaint', name: 'Reklamaatio / Complaint' },
      { code: 'product-info', name: 'Tuotetieto / Product information' },
      { code: 'other', name: 'Muu / Other' },
    ],
  },
  sales: {
    name: 'Myynti',
    classifications: [
      { code: 'new-order', name: 'Uusi tilaus / New order' },
      { code: 'offer-sent', name: 'Tarjous lähetetty / Offer sent' },
      { code: 'follow-up', name: 'Jatkokontakti / Follow-up' },
      { code: 'not-interested', name: 'Ei kiinnostunut / Not interested' },
    ],
  },
};

type QueueSeed = Omit<QueueInput, 'classificationGroupId' | 'businessHoursId'> & { classes: string; hours: string };
const QUEUES: Record<string, QueueSeed> = {
  sales: { name: 'Myynti', description: 'Sales / Försäljning', channels: ['voice', 'chat', 'callback'], strategy: 'longest-idle', serviceLevel: { thresholdSeconds: 20, targetPercent: 80 }, wrapUpSeconds: 30, classificationRequired: true, classes: 'sales', hours: 'office', maxQueueLength: 50, priority: 50 },
  support: { name: 'Asiakaspalvelu', description: 'Support / Kundtjänst', channels: ['voice', 'chat', 'email', 'callback', 'task', 'feedback'], strategy: 'longest-idle', serviceLevel: { thresholdSeconds: 30, targetPercent: 80 }, wrapUpSeconds: 60, classificationRequired: true, classes: 'service', hours: 'office', maxQueueLength: 100, priority: 50, responseTargetHours: 24 },
  billing: { name: 'Laskutus', description: 'Billing / Fakturering', channels: ['email', 'feedback'], strategy: 'round-robin', serviceLevel: { thresholdSeconds: 4 * 3600, targetPercent: 90 }, wrapUpSeconds: 0, classificationRequired: false, classes: 'service', hours: 'office', maxQueueLength: null, priority: 30, responseTargetHours: 8 },
  // Always open, so the demo's chat answers at any hour (the others keep office hours).
  webshop: { name: 'Verkkokauppa', description: 'Web shop, around the clock / Webbutik', channels: ['voice', 'chat', 'email', 'callback', 'task'], strategy: 'longest-idle', serviceLevel: { thresholdSeconds: 20, targetPercent: 80 }, wrapUpSeconds: 30, classificationRequired: true, classes: 'service', hours: 'always', maxQueueLength: 50, priority: 60 },
  vip: { name: 'VIP', description: 'Key accounts: the account manager first / Avainasiakkaat', channels: ['voice', 'chat'], strategy: 'best-skill', serviceLevel: { thresholdSeconds: 10, targetPercent: 90 }, wrapUpSeconds: 30, classificationRequired: true, classes: 'service', hours: 'extended', maxQueueLength: 20, priority: 90 },
};

const SERVICE_ROLES: Record<string, { queue: string; priority: number }[]> = {
  Myynti: [{ queue: 'sales', priority: 1 }],
  Asiakaspalvelu: [{ queue: 'support', priority: 1 }, { queue: 'webshop', priority: 1 }, { queue: 'billing', priority: 2 }],
  Laskutus: [{ queue: 'billing', priority: 1 }],
  'VIP-palvelu': [{ queue: 'vip', priority: 1 }, { queue: 'sales', priority: 2 }],
  Monikanava: [{ queue: 'support', priority: 1 }, { queue: 'webshop', priority: 1 }, { queue: 'sales', priority: 2 }, { queue: 'billing', priority: 3 }],
};

const agentUsername = (index: number) => `agent${index + 1}`;

/** The demo's mailboxes and the queue each feeds. */
export const DEMO_MAILBOXES: Record<string, string> = {
  'asiakaspalvelu@demo.example': 'support',
  'laskutus@demo.example': 'billing',
  'verkkokauppa@demo.example': 'webshop',
};

/** What the feedback form asks about, and which queue answers each. */
export const DEMO_FEEDBACK_TOPICS = [
  { code: 'delivery', name: 'Toimitus / Leverans / Delivery', queue: 'support' },
  { code: 'invoice', name: 'Lasku / Faktura / Invoice', queue: 'billing' },
  { code: 'service', name: 'Palvelu / Service', queue: 'support' },
  { code: 'other', name: 'Muu / Annat / Other', queue: 'support' },
] as const;

/** Customers of the demo's CRM: the demo page signs a token for each (the VIP's account manager is agent6). */
export const DEMO_CUSTOMERS = [
  { externalId: 'CRM-1001', name: 'Matti Meikäläinen', email: 'matti@asiakas.example', segment: 'vip', accountManager: 'agent6', language: 'fi' },
  { externalId: 'CRM-1002', name: 'Maja Lindström', email: 'maja@kund.example', segment: 'standard', accountManager: null, language: 'sv' },
] as const;
export const DEMO_AGENT_USERNAMES = AGENTS.map((_, i) => agentUsername(i));

/**
 * Seeds the demo organisation ("Demo Oy", Europe/Helsinki) when the store has no organisation yet.
 * Goes through the same resource code as the configuration API. Returns whether it seeded.
 */
export async function seedDemoOrganisation(db: Kysely<Database>, options: { now: number; passwordCost: PasswordCost }): Promise<boolean> {
  const existing = await db.selectFrom('organisations').select('id').limit(1).executeTakeFirst();
  if (existing) return false;

  const orgId = randomUUID();
  const people = [...DEMO_STAFF.map((s) => s.username), ...DEMO_AGENT_USERNAMES];
  // Hash before the transaction (scrypt is slow on purpose); the thread pool runs them in parallel.
  const hashes = await Promise.all(people.map(() => hashPassword(DEMO_PASSWORD, options.passwordCost)));

  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('organisations')
      .values({ id: orgId, name: 'Demo Oy', time_zone: 'Europe/Helsinki', default_language: 'fi', created_at: options.now, widget_secret: newWidgetSecret(), recording_retention_days: null })
      .execute();
    const ctx: WriteContext = {
      orgId,
      now: options.now,
      passwordCost: options.passwordCost,
      auth: { sessionId: '', userId: 'seed', orgId, username: 'seed', displayName: 'Seed', language: 'en', roles: ['admin'], csrfToken: '' },
    };
    const add = async <I, O extends { id: string }>(resource: ConfigResource<I, O>, input: I) => {
      const id = randomUUID();
      await resource.check?.(trx, ctx, input);
      await resource.insert(trx, ctx, id, input);
      return id;
    };
    const mapAdd = async <I, O extends { id: string }>(resource: ConfigResource<I, O>, inputs: Record<string, I>) => {
      const ids: Record<string, string> = {};
      for (const [key, input] of Object.entries(inputs)) ids[key] = await add(resource, input);
      return ids;
    };

    const skillIds = await mapAdd(skills, SKILLS);
    const calendarIds = await mapAdd(businessHours, CALENDARS);
    const classIds = await mapAdd(classificationGroups, CLASSIFICATIONS);
    const queueIds = await mapAdd(
      queues,
      Object.fromEntries(
        Object.entries(QUEUES).map(([key, { classes, hours, ...queue }]) => [key, { ...queue, classificationGroupId: classIds[classes]!, businessHoursId: calendarIds[hours] ?? null }]),
      ),
    );
    const roleIds = await mapAdd(
      serviceRoles,
      Object.fromEntries(
        Object.entries(SERVICE_ROLES).map(([name, memberships]) => [
          name,
          { name, description: '', memberships: memberships.map((m) => ({ queueId: queueIds[m.queue]!, priority: m.priority })) },
        ]),
      ),
    );

    let hashIndex = 0;
    const userIds: string[] = [];
    for (const staff of DEMO_STAFF) {
      await add(users, {
        ...staff,
        email: `${staff.username}@demo.example`,
        active: true,
        passwordHash: hashes[hashIndex++],
        skills: [],
        teamIds: [],
        serviceRoleIds: [],
        activeServiceRoleId: null,
      });
    }
    for (const [index, agent] of AGENTS.entries()) {
      const held = agent.roles.map((r) => roleIds[r]!);
      userIds.push(
        await add(users, {
          username: agentUsername(index),
          displayName: agent.name,
          email: `${agentUsername(index)}@demo.example`,
          language: agent.language,
          active: true,
          roles: ['agent'],
          passwordHash: hashes[hashIndex++],
          skills: Object.entries(agent.skills).map(([key, proficiency]) => ({ skillId: skillIds[key]!, proficiency })),
          teamIds: [],
          serviceRoleIds: held,
          activeServiceRoleId: held[0]!,
        }),
      );
    }
    for (const team of ['Tiimi Helsinki', 'Tiimi Tampere']) {
      await add(teams, { name: team, memberIds: AGENTS.flatMap((a, i) => (a.team === team ? [userIds[i]!] : [])) });
    }
    // E-mail the company's mail server forwards here, by the address it was sent to.
    for (const [address, queue] of Object.entries(DEMO_MAILBOXES)) {
      await trx.insertInto('email_routes').values({ id: randomUUID(), org_id: orgId, address, queue_id: queueIds[queue]!, created_at: options.now }).execute();
    }
    for (const [position, topic] of DEMO_FEEDBACK_TOPICS.entries()) {
      await trx.insertInto('feedback_topics').values({ id: randomUUID(), org_id: orgId, code: topic.code, name: topic.name, queue_id: queueIds[topic.queue]!, position }).execute();
    }
    for (const customer of DEMO_CUSTOMERS) {
      await trx
        .insertInto('customers')
        .values({
          id: randomUUID(),
          org_id: orgId,
          external_id: customer.externalId,
          display_name: customer.name,
          email: customer.email,
          phone: null,
          segment: customer.segment,
          account_manager_user_id: customer.accountManager ? userIds[DEMO_AGENT_USERNAMES.indexOf(customer.accountManager)]! : null,
          language: customer.language,
          created_at: options.now,
          updated_at: options.now,
        })
        .execute();
    }
  });
  return true;
}
