import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import type { Database } from '../stores/oltp/schema.ts';
import type { Logger } from './live-organisation.ts';

/** Written contacts get their survey by e-mail after they close (a chat's is in the widget). */
export const SURVEYED_BY_EMAIL = new Set(['email', 'callback', 'feedback']);
/** How long a survey link answers. */
const LINK_DAYS = 14;

const TEXT = {
  fi: {
    subject: 'Miten onnistuimme? ({queue})',
    body: 'Kiitos yhteydenotostasi. Kertoisitko, miten onnistuimme? Vastaaminen vie puoli minuuttia:',
    title: 'Miten onnistuimme?',
    csat: 'Kuinka tyytyväinen olit palveluun (1–5)?',
    nps: 'Kuinka todennäköisesti suosittelisit meitä ystävällesi (0–10)?',
    thanks: 'Kiitos vastauksestasi!',
    answered: 'Olet jo vastannut tähän. Kiitos!',
    gone: 'Tämä kyselylinkki ei ole enää voimassa.',
  },
  sv: {
    subject: 'Hur lyckades vi? ({queue})',
    body: 'Tack för att du kontaktade oss. Berätta gärna hur vi lyckades, det tar en halv minut:',
    title: 'Hur lyckades vi?',
    csat: 'Hur nöjd var du med servicen (1–5)?',
    nps: 'Hur troligt är det att du skulle rekommendera oss till en vän (0–10)?',
    thanks: 'Tack för ditt svar!',
    answered: 'Du har redan svarat. Tack!',
    gone: 'Den här länken gäller inte längre.',
  },
  en: {
    subject: 'How did we do? ({queue})',
    body: 'Thank you for contacting us. Would you tell us how we did? It takes half a minute:',
    title: 'How did we do?',
    csat: 'How satisfied were you with the service (1–5)?',
    nps: 'How likely are you to recommend us to a friend (0–10)?',
    thanks: 'Thank you for your answer!',
    answered: 'You have answered this already. Thank you!',
    gone: 'This survey link is no longer valid.',
  },
} as const;
type Lang = keyof typeof TEXT;
const langOf = (value: string | null | undefined): Lang => (value && value in TEXT ? (value as Lang) : 'en');

/** 18 bytes of HMAC: short links, still far beyond guessing. */
const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(`survey.${payload}`).digest().subarray(0, 18).toString('base64url');

/**
 * `base64url(contact uuid, 16 bytes + expiry, 4 bytes)` + "." + HMAC under the organisation's secret
 * (purpose-bound): about 50 characters, so the link survives any mail client.
 */
export function surveyToken(secret: string, contactId: string, expiresAtSeconds: number): string {
  const bytes = Buffer.alloc(20);
  Buffer.from(contactId.replace(/-/g, ''), 'hex').copy(bytes, 0, 0, 16);
  bytes.writeUInt32BE(expiresAtSeconds, 16);
  const payload = bytes.toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

function readToken(payload: string): { contactId: string; expiresAt: number } | null {
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length !== 20) return null;
  const hex = bytes.subarray(0, 16).toString('hex');
  return { contactId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, expiresAt: bytes.readUInt32BE(16) };
}

export interface SurveyState {
  contactId: string;
  orgId: string;
  lang: Lang;
  queue: string;
  csat: number | null;
  nps: number | null;
}

/**
 * Post-contact surveys by e-mail link: an invitation once per contact (if the customer left an
 * address and has not refused surveys), a page in their language, and answers that go the same way
 * as the widget's (stored, ClickHouse, webhooks).
 */
export class Surveys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transport: Transporter | null,
    private readonly from: string,
    private readonly publicUrl: string,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Sends the invitation for a closed contact; false when there is nobody to ask or nothing to send with. */
  async invite(contactId: string): Promise<boolean> {
    if (!this.transport) return false;
    const row = await this.db
      .selectFrom('contacts')
      .innerJoin('organisations', 'organisations.id', 'contacts.org_id')
      .innerJoin('queues', 'queues.id', 'contacts.queue_id')
      .leftJoin('customers', 'customers.id', 'contacts.customer_id')
      .select(['contacts.attributes', 'contacts.survey_sent_at', 'contacts.rating', 'contacts.customer_language', 'organisations.widget_secret', 'queues.name as queue', 'customers.email', 'customers.consent'])
      .where('contacts.id', '=', contactId)
      .executeTakeFirst();
    if (!row || row.survey_sent_at !== null || row.rating !== null || !row.widget_secret) return false;
    const consent = JSON.parse(row.consent ?? '{}') as { surveys?: boolean };
    const to = (JSON.parse(row.attributes) as Record<string, string>).email ?? row.email;
    if (!to || consent.surveys === false) return false;
    const t = TEXT[langOf(row.customer_language)];
    const link = `${this.publicUrl}/survey/${surveyToken(row.widget_secret, contactId, Math.floor(this.now() / 1000) + LINK_DAYS * 86_400)}`;
    // Claimed before sending: two closes of the same contact never send two invitations.
    const claimed = await this.db.updateTable('contacts').set({ survey_sent_at: this.now() }).where('id', '=', contactId).where('survey_sent_at', 'is', null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false;
    try {
      await this.transport.sendMail({ from: this.from, to, subject: t.subject.replace('{queue}', row.queue), text: `${t.body}\n\n${link}\n`, headers: { 'X-Contact-Id': contactId } });
      return true;
    } catch (error) {
      await this.db.updateTable('contacts').set({ survey_sent_at: null }).where('id', '=', contactId).execute();
      this.log.error({ err: error, contactId }, 'could not send a survey invitation');
      return false;
    }
  }

  /** The survey a link is for, or null when the link is forged, broken or expired. */
  async open(token: string): Promise<SurveyState | null> {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return null;
    const claims = readToken(payload);
    if (!claims || claims.expiresAt * 1000 <= this.now()) return null;
    const row = await this.db
      .selectFrom('contacts')
      .innerJoin('organisations', 'organisations.id', 'contacts.org_id')
      .innerJoin('queues', 'queues.id', 'contacts.queue_id')
      .select(['contacts.id', 'contacts.org_id', 'contacts.rating', 'contacts.nps', 'contacts.customer_language', 'organisations.widget_secret', 'queues.name as queue'])
      .where('contacts.id', '=', claims.contactId)
      .executeTakeFirst();
    if (!row?.widget_secret) return null;
    const expected = Buffer.from(mac(row.widget_secret, payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    return { contactId: row.id, orgId: row.org_id, lang: langOf(row.customer_language), queue: row.queue, csat: row.rating, nps: row.nps };
  }
}

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The survey page the e-mail links to: both questions as buttons; answers are posted as JSON. */
export function surveyPage(state: SurveyState | null, token: string): string {
  const t = TEXT[state?.lang ?? 'en'];
  const scale = (kind: 'csat' | 'nps', from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `<button type="button" data-kind="${kind}" data-score="${from + i}">${from + i}</button>`).join('');
  const question = (kind: 'csat' | 'nps', done: boolean, from: number, to: number) =>
    `<section data-testid="survey-${kind}"><h2>${escape(t[kind])}</h2>${done ? `<p>${escape(t.answered)}</p>` : `<div class="scale">${scale(kind, from, to)}</div>`}</section>`;
  const body = !state
    ? `<p data-testid="survey-gone">${escape(t.gone)}</p>`
    : `${question('csat', state.csat !== null, 1, 5)}${question('nps', state.nps !== null, 0, 10)}<p role="status" data-testid="survey-status"></p>`;
  return `<!doctype html>
<html lang="${state?.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escape(t.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:560px;margin:2rem auto;padding:0 1rem;line-height:1.5}.scale{display:flex;flex-wrap:wrap;gap:6px}.scale button{min-width:2.6rem;padding:.5rem;font-size:1rem;border:1px solid #888;border-radius:6px;background:#fff;cursor:pointer}.scale button[aria-pressed=true]{background:#1b5e9e;color:#fff}</style>
</head>
<body>
<h1>${escape(t.title)}${state ? ` — ${escape(state.queue)}` : ''}</h1>
${body}
<script>
  const token = ${JSON.stringify(token)};
  const status = document.querySelector('[data-testid=survey-status]');
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-kind]');
    if (!button) return;
    const response = await fetch('/api/surveys/' + encodeURIComponent(token), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: button.dataset.kind, score: Number(button.dataset.score) }) });
    if (response.ok || response.status === 409) {
      const section = button.closest('section');
      section.querySelector('.scale').replaceWith(Object.assign(document.createElement('p'), { textContent: ${JSON.stringify(t.thanks)} }));
    } else status.textContent = (await response.json()).error?.message ?? 'Error';
  });
</script>
</body>
</html>`;
}
