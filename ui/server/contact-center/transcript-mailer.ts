import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import type { Database } from '../stores/oltp/schema.ts';
import type { Logger } from './live-organisation.ts';

const TEXT = {
  fi: { subject: 'Keskustelusi: {queue}', intro: 'Tässä keskustelusi {date}.', you: 'Sinä', agent: 'Asiakaspalvelu', system: 'Järjestelmä' },
  sv: { subject: 'Din chatt: {queue}', intro: 'Här är din chatt {date}.', you: 'Du', agent: 'Kundtjänst', system: 'System' },
  en: { subject: 'Your chat: {queue}', intro: 'Here is your chat of {date}.', you: 'You', agent: 'Customer service', system: 'System' },
} as const;

/**
 * Sends a chat's transcript to the address the customer gave, through the configured SMTP relay,
 * once the conversation is over. Sent once (the contact row remembers when); a failure is logged
 * and can be retried by asking again.
 */
export class TranscriptMailer {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transport: Transporter,
    private readonly from: string,
    private readonly log: Logger,
  ) {}

  async send(contactId: string): Promise<boolean> {
    const contact = await this.db
      .selectFrom('contacts')
      .innerJoin('queues', 'queues.id', 'contacts.queue_id')
      .innerJoin('organisations', 'organisations.id', 'contacts.org_id')
      .select(['contacts.transcript_email', 'contacts.transcript_sent_at', 'contacts.customer_language', 'contacts.created_at', 'queues.name as queue', 'organisations.time_zone'])
      .where('contacts.id', '=', contactId)
      .executeTakeFirst();
    if (!contact?.transcript_email || contact.transcript_sent_at !== null) return false;
    const messages = await this.db.selectFrom('messages').select(['at', 'sender_role', 'body']).where('contact_id', '=', contactId).orderBy('seq').execute();
    const lang = (contact.customer_language in TEXT ? contact.customer_language : 'en') as keyof typeof TEXT;
    const t = TEXT[lang];
    const locale = { fi: 'fi-FI', sv: 'sv-SE', en: 'en-GB' }[lang];
    const when = (at: number, style: 'date' | 'time') =>
      new Intl.DateTimeFormat(locale, style === 'date' ? { dateStyle: 'long', timeZone: contact.time_zone } : { timeStyle: 'short', timeZone: contact.time_zone }).format(at);
    const who = (role: string) => (role === 'customer' ? t.you : role === 'agent' ? t.agent : t.system);
    const lines = messages.map((m) => `[${when(Number(m.at), 'time')}] ${who(m.sender_role)}: ${m.body}`);
    try {
      await this.transport.sendMail({
        from: this.from,
        to: contact.transcript_email,
        subject: t.subject.replace('{queue}', contact.queue),
        text: [t.intro.replace('{date}', when(Number(contact.created_at), 'date')), '', ...lines, ''].join('\n'),
        headers: { 'X-Contact-Id': contactId },
      });
    } catch (error) {
      this.log.error({ err: error, contactId }, 'could not send a chat transcript');
      return false;
    }
    await this.db.updateTable('contacts').set({ transcript_sent_at: Date.now() }).where('id', '=', contactId).execute();
    return true;
  }
}
