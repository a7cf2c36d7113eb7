import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium, signInOn } from '../support/chromium.ts';
import { testDatabases } from '../support/databases.ts';

const handlerFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/handler.js');
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

/** Today's date in Helsinki (the demo organisation's zone), as the reports take it. */
const helsinkiDay = (offsetDays = 0) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(Date.now() + offsetDays * 86_400_000);

describe('the first real contact, end to end in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    t = await startTestApp(sqlite, { webHandlerFile: handlerFile });
    origin = await t.listen();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.close();
  });

  const page = async (viewport: { width: number; height: number }): Promise<Page> => {
    const context = await browser.newContext({ locale: 'fi-FI', viewport });
    contexts.push(context);
    return context.newPage();
  };
  const signIn = async (username: string, viewport = { width: 1280, height: 900 }) => {
    return signInOn(await page(viewport), origin, username);
  };

  it('a customer chats from the demo page; the agent answers on a phone, classifies; the customer rates; the supervisor and the reports see it', async () => {
    // The supervisor watches the floor.
    const supervisor = await signIn('supervisor');
    await supervisor.waitForURL(`${origin}/supervisor`);
    const tile = supervisor.locator('[data-testid=tile][data-queue=Verkkokauppa]');
    await expect.poll(() => tile.locator('[data-testid=tile-chat] [data-testid=free]').textContent()).toBe('0');

    // The agent signs in once, on a phone-sized screen, and becomes available with one click.
    const agent = await signIn('agent2', { width: 390, height: 844 });
    await agent.waitForURL(`${origin}/agent`);
    await agent.click('[data-testid=status-available]');
    await expect.poll(() => agent.locator('[data-testid=status-available]').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => tile.locator('[data-testid=tile-chat] [data-testid=free]').textContent()).toBe('1');

    // The customer opens the company's page and starts a chat in the widget.
    const customer = await page({ width: 1280, height: 900 });
    await customer.goto(`${origin}/demo`);
    await customer.click('[data-testid=cc-open]');
    await customer.locator('[data-testid=cc-prechat]').waitFor();
    await customer.fill('[data-testid=cc-prechat] input[name=name]', 'Liisa Laine');
    await customer.fill('[data-testid=cc-prechat] textarea[name=text]', 'Hei! Missä tilaukseni on?');
    await customer.click('[data-testid=cc-prechat] button[type=submit]');

    // The offer rings in the console, with its countdown; the agent accepts.
    const offer = agent.locator('[data-testid=offer]');
    await offer.waitFor();
    expect(await offer.textContent()).toContain('Liisa Laine');
    expect(Number((await offer.locator('[data-testid=countdown]').textContent())!.replace(/\D/g, ''))).toBeGreaterThan(20);
    await offer.locator('[data-testid=accept]').click();
    await agent.locator('[data-testid=chat-log] [data-from=customer]', { hasText: 'Missä tilaukseni on?' }).waitFor();
    await customer.locator('[data-testid=cc-status]', { hasText: 'Eero' }).waitFor();
    expect(await customer.locator('[data-testid=cc-prechat]').isVisible()).toBe(false);
    expect(await customer.locator('[data-testid=cc-compose]').isVisible()).toBe(true);

    // Messages both ways.
    await agent.fill('[data-testid=chat-input]', 'Hei Liisa! Tilauksesi lähti eilen.');
    await agent.press('[data-testid=chat-input]', 'Enter');
    await customer.locator('[data-testid=cc-log] [data-from=agent]', { hasText: 'Tilauksesi lähti eilen.' }).waitFor();
    await customer.fill('[data-testid=cc-input]', 'Kiitos, hienoa!');
    await customer.press('[data-testid=cc-input]', 'Enter');
    await agent.locator('[data-testid=chat-log] [data-from=customer]', { hasText: 'Kiitos, hienoa!' }).waitFor();

    // The supervisor sees the agent busy with this chat, within a second or so.
    const row = supervisor.locator('[data-testid=agent-row][data-agent="Eero Korhonen"]');
    await expect.poll(() => row.locator('[data-testid=agent-contacts]').textContent(), { timeout: 3000 }).toContain('Liisa Laine');
    expect(await tile.locator('[data-testid=tile-chat] [data-testid=busy]').textContent()).toBe('1');

    // The console fits a phone: nothing wider than the screen.
    expect(await agent.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);

    // The agent ends the chat and classifies it (the queue requires it); the customer rates it.
    await agent.click('[data-testid=end-contact]');
    await customer.locator('[data-testid=cc-after]').waitFor();
    await agent.locator('[data-testid=wrap-up]').waitFor();
    await agent.selectOption('[data-testid=classification]', { label: 'Tilauksen tila / Order status' });
    await customer.click('[data-testid=cc-rating] button[data-score="5"]');
    await agent.locator('[data-testid=rating]').waitFor();
    await agent.click('[data-testid=finish-wrap-up]');
    await agent.locator('[data-testid=area-intro]').waitFor();
    await expect.poll(() => row.locator('[data-testid=agent-contacts]').textContent()).toBe('');

    // The events are in ClickHouse, and today's report counts the contact, its classification and its rating.
    await t.writer.flush();
    const contact = await t.oltp.db.selectFrom('contacts').select(['id', 'status', 'rating']).where('customer_name', '=', 'Liisa Laine').executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ status: 'closed', rating: 5 });
    const steps = await (
      await t.analytics.client.query({ query: `SELECT type FROM ${t.analytics.database}.contact_events WHERE contact_id = {c:String} ORDER BY at, toString(event_id)`, query_params: { c: contact.id }, format: 'JSONEachRow' })
    ).json<{ type: string }>();
    expect(steps.map((s) => s.type)).toEqual(['contact.enqueued', 'contact.offered', 'contact.offer_accepted', 'contact.connected', 'contact.wrap_up_started', 'contact.wrap_up_ended', 'contact.closed']);

    type Report = { rows: unknown[]; labels: Record<string, string> };
    const report: Report = await supervisor.evaluate(async (url) => (await fetch(url)).json() as Promise<Report>, `/api/reports/historical?from=${helsinkiDay()}&to=${helsinkiDay(1)}&granularity=day&dimension=channel&metrics=offered,answered,handled,csat_average`);
    expect(report.rows).toEqual([{ bucket: helsinkiDay(), key: 'chat', values: { offered: 1, answered: 1, handled: 1, csat_average: 5 } }]);
    const byClass: Report = await supervisor.evaluate(async (url) => (await fetch(url)).json() as Promise<Report>, `/api/reports/historical?from=${helsinkiDay()}&to=${helsinkiDay(1)}&granularity=day&dimension=classification&metrics=handled`);
    expect(byClass.rows).toEqual([{ bucket: helsinkiDay(), key: 'order-status', values: { handled: 1 } }]);
    expect(byClass.labels['order-status']).toBe('Tilauksen tila / Order status');

    // The realtime table (from ClickHouse) counts it too.
    const offered = supervisor.locator('[data-testid=realtime] tbody tr', { hasText: 'Verkkokauppa' }).locator('[data-testid=offered]');
    await expect.poll(() => offered.textContent(), { timeout: 5000 }).toBe('1');
  });
});
