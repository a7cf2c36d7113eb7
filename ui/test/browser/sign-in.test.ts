import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/seed/demo-organisation.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/chromium.ts';
import { testDatabases } from '../support/databases.ts';

const handlerFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/handler.js');
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

describe('signing in through Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    if (!existsSync(handlerFile)) throw new Error('ui/build is missing: `npm test` builds it (scripts/build-ui.mjs)');
    t = await startTestApp(sqlite, { webHandlerFile: handlerFile });
    origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const signInAs = async (username: string, options: { locale?: string; start?: string } = {}) => {
    const context = await browser.newContext({ locale: options.locale ?? 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${origin}${options.start ?? '/'}`);
    await page.waitForURL(/\/signin/);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    return { context, page };
  };

  // The browser says en-GB; once signed in, the user's own language setting wins (analyst: en, others: fi).
  it.each([
    ['agent1', '/agent', 'Asiakaspalvelijan työpöytä', 'Kirjautuneena: Aino Virtanen'],
    ['supervisor', '/supervisor', 'Reaaliaikanäkymä', 'Kirjautuneena: Sanna Esimies'],
    ['qa', '/qa', 'Laadunarviointi', 'Kirjautuneena: Kalle Laatu'],
    ['analyst', '/reports', 'Reports', 'Signed in as Anna Analyytikko'],
    ['admin', '/admin', 'Asetukset', 'Kirjautuneena: Ada Ylläpitäjä'],
  ])('%s lands on %s, in their own language', async (username, landing, heading, signedInAs) => {
    const { context, page } = await signInAs(username);
    await page.waitForURL(`${origin}${landing}`);
    expect(await page.locator('h1').textContent()).toBe(heading);
    expect(await page.getByTestId('signed-in-as').textContent()).toBe(signedInAs);
    // The console shows its intro once its live state has come (a moment after the page loads).
    await page.getByTestId('area-intro').waitFor({ state: 'visible' });
    await context.close();
  });

  it('follows a deep link after sign-in, and the admin page shows the seeded queues from the API', async () => {
    const { context, page } = await signInAs('admin', { start: '/admin' });
    await page.waitForURL(`${origin}/admin`);
    await page.locator('[data-testid=queues] tbody tr').first().waitFor();
    const names = await page.locator('[data-testid=queues] tbody tr td:first-child').allTextContents();
    expect(names).toEqual(['Asiakaspalvelu', 'Laskutus', 'Myynti', 'VIP', 'Verkkokauppa']);
    await context.close();
  });

  it('keeps an agent out of the admin area, server-side', async () => {
    const { context, page } = await signInAs('agent2');
    await page.waitForURL(`${origin}/agent`);
    await page.goto(`${origin}/admin`);
    expect(new URL(page.url()).pathname).toBe('/agent');
    expect(await page.getByRole('alert').textContent()).toBe('Roolisi eivät avaa tätä osiota.');
    const api = await page.evaluate(async () => (await fetch('/api/config/queues')).status);
    expect(api).toBe(403);
    await context.close();
  });

  it('speaks the browser language, switches on request, and says a wrong password in it', async () => {
    const context = await browser.newContext({ locale: 'sv-SE' });
    const page = await context.newPage();
    await page.goto(`${origin}/signin`);
    expect(await page.locator('h2').textContent()).toBe('Logga in');
    expect(await page.locator('html').getAttribute('lang')).toBe('sv');
    await page.getByTestId('language').selectOption('fi');
    await page.locator('h2', { hasText: 'Kirjaudu sisään' }).waitFor();
    await page.fill('input[name=username]', 'agent1');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    expect(await page.getByRole('alert').textContent()).toBe('Väärä käyttäjätunnus tai salasana.');
    await page.reload();
    expect(await page.locator('h2').textContent()).toBe('Kirjaudu sisään');
    await context.close();
  });

  it('signs out: the session is gone and the areas send you to sign in', async () => {
    const { context, page } = await signInAs('supervisor');
    await page.waitForURL(`${origin}/supervisor`);
    // The live tiles come from the page's own socket: the page is hydrated and its buttons work.
    await page.locator('[data-testid=tiles]').waitFor();
    await page.getByRole('button', { name: 'Kirjaudu ulos' }).click();
    await page.waitForURL(`${origin}/signin`);
    await page.goto(`${origin}/supervisor`);
    expect(page.url()).toBe(`${origin}/signin?next=%2Fsupervisor`);
    await context.close();
  });
});
