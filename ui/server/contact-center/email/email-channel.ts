import { randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { Transporter } from 'nodemailer';
import { AppError } from '../../errors.ts';
import type { Database } from '../../stores/oltp/schema.ts';
import { contactErrors } from '../contact-errors.ts';
import { resolveCustomer, routingAttributes } from '../customers.ts';
import type { LiveAcd } from '../live-acd.ts';
import type { Logger, MessageView } from '../live-organisation.ts';

/** The token in a subject that ties a reply to its contact when the headers were lost: `[#1a2b3c4d5e6f]`. */
const TOKEN = /\[#([0-9a-f]{12})\]/i;
export const subjectToken = (contactId: string) => `[#${contactId.replace(/-/g, '').slice(-12)}]`;

export interface ReceiveResult {
  emailId: string;
  contactId: string | null;
  flagged: boolean;
  reopened: boolean;
}

const addresses = (value: AddressObject | AddressObject[] | undefined) => (value ? [value].flat().flatMap((a) => a.value) : []);
const clean = (id: string | undefined | null) => (id ? id.trim() : null);

/** Writes bytes and fsyncs them before the SMTP conversation says "250 OK". */
/** What one answer may carry in attachments, in all (a common relay limit is 25 MB after encoding). */
export const MAX_OUTBOUND_BYTES = 15 * 1024 * 1024;

export async function writeDurably(file: string, data: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'wx');
  try {
    await handle.write(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * E-mail as a contact of the one ACD. Inbound: kept exactly as received (fsync'd) before anything
 * else, parsed, threaded to its contact by Message-ID / In-Reply-To / References (or the subject's
 * token), and routed by the address it was sent to; a reply reopens its contact. Outbound: the
 * agent's reply goes through the SMTP relay with the thread's headers.
 */
export class EmailChannel {
  constructor(
    private readonly deps: { db: Kysely<Database>; live: LiveAcd; dataDir: string; now: () => number; log: Logger; relay: Transporter | null; from: string },
  ) {}

  /** The organisation and queue an address feeds, or null (the listener refuses the recipient). */
  async routeFor(address: string) {
    return (await this.deps.db.selectFrom('email_routes').select(['org_id', 'queue_id', 'address']).where('address', '=', address.trim().toLowerCase()).executeTakeFirst()) ?? null;
  }

  async receive(raw: Buffer, envelope: { from: string; to: string[] }): Promise<ReceiveResult> {
    const { db, now } = this.deps;
    const emailId = randomUUID();
    const at = now();
    const month = new Date(at).toISOString().slice(0, 7);
    const rawPath = path.join('mail', 'in', month, `${emailId}.eml`);
    // Nothing lost: the message as received is on disk before we parse a byte of it.
    await writeDurably(path.join(this.deps.dataDir, rawPath), raw);

    let route = null;
    for (const to of envelope.to) if ((route = await this.routeFor(to))) break;
    if (!route) throw new AppError('NO_SUCH_MAILBOX', 550, 'No mailbox here for that address');

    const flagged = async (reason: string, parsed?: ParsedMail): Promise<ReceiveResult> => {
      await db
        .insertInto('email_messages')
        .values({
          id: emailId,
          org_id: route.org_id,
          contact_id: null,
          direction: 'in',
          message_id: clean(parsed?.messageId),
          in_reply_to: null,
          refs: '[]',
          from_addr: envelope.from,
          from_name: '',
          to_addrs: JSON.stringify(envelope.to),
          cc_addrs: '[]',
          subject: parsed?.subject ?? '',
          body_text: '',
          raw_path: rawPath,
          attachments: '[]',
          flagged: 1,
          flag_reason: reason,
          at,
        })
        .execute();
      this.deps.log.warn({ emailId, reason }, 'inbound e-mail flagged');
      return { emailId, contactId: null, flagged: true, reopened: false };
    };

    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw);
    } catch (error) {
      return flagged(`unparseable: ${(error as Error).message}`.slice(0, 300));
    }
    const sender = addresses(parsed.from)[0];
    if (!sender?.address) return flagged('no sender address', parsed);

    const org = this.deps.live.org(route.org_id);
    const references = [parsed.references ?? []].flat().map((r) => r.trim());
    const inReplyTo = clean(parsed.inReplyTo);
    const subject = (parsed.subject ?? '').slice(0, 500);
    const text = (parsed.text ?? '').trim() || '(no text)';

    // Threading: the headers first, the subject's token as a fallback.
    const knownIds = [inReplyTo, ...references].filter((x): x is string => !!x);
    let contactId: string | null = null;
    if (knownIds.length > 0) {
      const earlier = await db.selectFrom('email_messages').select('contact_id').where('org_id', '=', route.org_id).where('message_id', 'in', knownIds).where('contact_id', 'is not', null).executeTakeFirst();
      contactId = earlier?.contact_id ?? null;
    }
    const token = TOKEN.exec(subject)?.[1]?.toLowerCase();
    if (!contactId && token) {
      const byToken = await db.selectFrom('contacts').select(['id']).where('org_id', '=', route.org_id).where('channel', '=', 'email').where('id', 'like', `%-${token}`).executeTakeFirst();
      contactId = byToken?.id ?? null;
    }

    const attachments = [];
    for (const [i, attachment] of parsed.attachments.entries()) {
      const name = (attachment.filename ?? `attachment-${i + 1}`).replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 100);
      const file = path.join('mail', 'attachments', emailId, `${i + 1}-${name}`);
      await writeDurably(path.join(this.deps.dataDir, file), attachment.content);
      attachments.push({ filename: attachment.filename ?? name, contentType: attachment.contentType, size: attachment.size, path: file });
    }

    let reopened = false;
    if (contactId) {
      const row = await db.selectFrom('contacts').select(['status']).where('id', '=', contactId).executeTakeFirstOrThrow();
      await org.postMessage(contactId, 'customer', null, text);
      // A reply to a closed thread is the same case again: back in line.
      if (row.status === 'closed') {
        await org.reopen(contactId);
        reopened = true;
      }
    } else {
      const customer = await resolveCustomer(db, org, null, at, this.deps.log, {
        customerId: null,
        name: sender.name || sender.address,
        segment: null,
        preferredAgentId: null,
        language: null,
        email: sender.address,
      });
      const started = await org.startContact({
        channel: 'email',
        queueId: route.queue_id,
        customerId: customer.customerId,
        customerName: sender.name || sender.address,
        customerLanguage: customer.language ?? 'fi',
        subject,
        attributes: { ...routingAttributes(customer), email: sender.address },
        priority: customer.segment === 'vip' ? 10 : 0,
        preferredAgentId: customer.preferredAgentId,
        resumeHash: null,
        firstMessage: text,
      });
      contactId = started.contactId;
    }
    await db
      .insertInto('email_messages')
      .values({
        id: emailId,
        org_id: route.org_id,
        contact_id: contactId,
        direction: 'in',
        message_id: clean(parsed.messageId),
        in_reply_to: inReplyTo,
        refs: JSON.stringify(references),
        from_addr: sender.address.toLowerCase(),
        from_name: sender.name ?? '',
        to_addrs: JSON.stringify(addresses(parsed.to).map((a) => a.address)),
        cc_addrs: JSON.stringify(addresses(parsed.cc).map((a) => a.address)),
        subject,
        body_text: text,
        raw_path: rawPath,
        attachments: JSON.stringify(attachments),
        flagged: 0,
        flag_reason: null,
        at,
      })
      .execute();
    return { emailId, contactId, flagged: false, reopened };
  }

  /**
   * The agent's answer to an e-mail (in its thread: In-Reply-To, References, the token) or to web
   * feedback (a new mail to the address the customer left), through the relay; then stored. Feedback
   * without an address is answered in the record only; either way it moves to "answered".
   */
  async reply(orgId: string, contactId: string, agentId: string, input: { text: string; cc?: string[]; attachments?: string[] }): Promise<MessageView> {
    const { db, relay } = this.deps;
    const org = this.deps.live.org(orgId);
    const contact = org.engine.inspect().contacts.get(contactId);
    if (!contact || (contact.channel !== 'email' && contact.channel !== 'feedback')) throw contactErrors.unknownContact();
    if (contact.agentId !== agentId || (contact.phase !== 'connected' && contact.phase !== 'held')) throw contactErrors.notYourContact();
    const thread = await db.selectFrom('email_messages').selectAll().where('contact_id', '=', contactId).where('flagged', '=', 0).orderBy('at').execute();
    const lastIn = [...thread].reverse().find((m) => m.direction === 'in');
    const feedbackAddress = contact.channel === 'feedback' ? (org.meta.get(contactId)?.attributes.email ?? null) : null;
    if (!lastIn && !feedbackAddress) {
      if (contact.channel !== 'feedback') throw contactErrors.unknownContact('The contact has no e-mail to answer');
      const message = await org.postMessage(contactId, 'agent', agentId, input.text);
      await org.feedbackAnswered(contactId);
      return message;
    }
    if (!relay) throw new AppError('MAIL_RELAY_MISSING', 503, 'No SMTP relay is configured (SMTP_URL)');
    const uploads = input.attachments?.length
      ? await db.selectFrom('email_uploads').selectAll().where('id', 'in', input.attachments).where('contact_id', '=', contactId).where('user_id', '=', agentId).where('sent_at', 'is', null).execute()
      : [];
    if (uploads.length !== (input.attachments?.length ?? 0)) throw new AppError('UNKNOWN_ATTACHMENT', 400, 'An attachment is not one you uploaded to this contact (or it was sent already)', 'attachments');
    if (uploads.reduce((sum, u) => sum + u.size, 0) > MAX_OUTBOUND_BYTES) throw new AppError('ATTACHMENTS_TOO_LARGE', 413, `Attachments may be ${MAX_OUTBOUND_BYTES / 1024 / 1024} MB in all`, 'attachments');
    const mailbox = lastIn ? (JSON.parse(lastIn.to_addrs) as string[]).find(Boolean) : undefined;
    const route = mailbox ? ((await db.selectFrom('email_routes').select('address').where('org_id', '=', orgId).where('address', '=', mailbox).executeTakeFirst()) ?? null) : null;
    const fromAddress = route?.address ?? this.deps.from;
    const domain = /@([^>\s]+)/.exec(fromAddress)?.[1] ?? 'localhost';
    const messageId = `<${randomUUID()}@${domain}>`;
    const references = lastIn ? [...(JSON.parse(lastIn.refs) as string[]), ...(lastIn.message_id ? [lastIn.message_id] : [])] : [];
    const original = thread[0]?.subject ?? org.meta.get(contactId)?.subject ?? '';
    const baseSubject = original.replace(TOKEN, '').replace(/^\s*((re|sv|vs|aw)\s*:\s*)+/i, '').trim();
    const subject = `Re: ${baseSubject} ${subjectToken(contactId)}`.replace(/\s+/g, ' ');
    const orgName = (await db.selectFrom('organisations').select('name').where('id', '=', orgId).executeTakeFirstOrThrow()).name;
    const to = lastIn ? (lastIn.from_name ? { name: lastIn.from_name, address: lastIn.from_addr } : lastIn.from_addr) : feedbackAddress!;
    const toAddress = lastIn ? lastIn.from_addr : feedbackAddress!;
    await relay.sendMail({
      from: route ? { name: orgName, address: route.address } : this.deps.from,
      to,
      cc: input.cc,
      subject,
      text: input.text,
      messageId,
      attachments: uploads.map((u) => ({ filename: u.filename, contentType: u.content_type, path: path.join(this.deps.dataDir, u.path) })),
      ...(lastIn?.message_id ? { inReplyTo: lastIn.message_id } : {}),
      ...(references.length > 0 ? { references } : {}),
    });
    const at = this.deps.now();
    await db
      .insertInto('email_messages')
      .values({
        id: randomUUID(),
        org_id: orgId,
        contact_id: contactId,
        direction: 'out',
        message_id: messageId,
        in_reply_to: lastIn?.message_id ?? null,
        refs: JSON.stringify(references),
        from_addr: fromAddress,
        from_name: orgName,
        to_addrs: JSON.stringify([toAddress]),
        cc_addrs: JSON.stringify(input.cc ?? []),
        subject,
        body_text: input.text,
        raw_path: null,
        attachments: JSON.stringify(uploads.map((u) => ({ filename: u.filename, contentType: u.content_type, size: u.size, path: u.path }))),
        flagged: 0,
        flag_reason: null,
        at,
      })
      .execute();
    if (uploads.length > 0) await db.updateTable('email_uploads').set({ sent_at: at }).where('id', 'in', uploads.map((u) => u.id)).execute();
    const message = await org.postMessage(contactId, 'agent', agentId, input.text);
    if (contact.channel === 'feedback') await org.feedbackAnswered(contactId);
    return message;
  }
}
