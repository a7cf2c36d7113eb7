import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium, signInOn } from '../support/chromium.ts';
import { testDatabases } from '../support/databases.ts';
import { produceCalls } from '../support/events.ts';

const handlerFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/handler.js');
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

/**
 * The server's clock runs at midday in Helsinki on the browser's (UTC) date: "today" in the realtime view
 * then holds the calls made minutes "ago", and the reports page's default range (UTC dates) holds them
 * too, whatever the hour the test runs (near midnight they would fall on another day).
 */
const shift = Date.parse(`${new Date().toISOString().slice(0, 10)}T10:00:00Z`) - Date.now();
const now = () => Date.now() + shift;

describe('reports and the realtime view in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  let orgId: string;
  let sales: string;
  let aino: string;

  beforeAll(async () => {
    t = await startTestApp(sqlite, { webHandlerFile: handlerFile, now });
    origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    orgId = (await t.oltp.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow()).id;
    sales = (await t.oltp.db.selectFrom('queues').select('id').where('name', '=', 'Myynti').executeTakeFirstOrThrow()).id;
    aino = (await t.oltp.db.selectFrom('users').select('id').where('username', '=', 'agent1').executeTakeFirstOrThrow()).id;
    await produceCalls(t, { orgId, queueId: sales, agentId: aino, prefix: 'b', start: now() - 20 * 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const signIn = async (username: string): Promise<Page> => {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 1000 } });
    return signInOn(await context.newPage(), origin, username);
  };

  it('the analyst sees charts, the per-agent table with names, downloads the numbers and runs SQL', async () => {
    const page = await signIn('analyst');
    await page.waitForURL(`${origin}/reports`);
    await page.locator('[data-testid=agent-table] tbody tr td', { hasText: 'Aino Virtanen' }).waitFor();
    const cells = await page.locator('[data-testid=agent-table] tbody tr').first().locator('td').allTextContents();
    // Aino answered two calls, handled for 30 s and 60 s: AHT 45.0 s.
    expect(cells.slice(0, 3)).toEqual(['Aino Virtanen', '2', '45.0']);
    const charts = page.locator('[data-testid=chart]');
    expect(await charts.count()).toBe(5);
    for (let i = 0; i < 5; i += 1) expect(await charts.nth(i).locator('canvas').count()).toBeGreaterThan(0);
    const href = await page.locator('a[download]').first().getAttribute('href');
    const csv = await page.evaluate(async (link) => {
      const response = await fetch(link!);
      return { type: response.headers.get('content-type'), body: await response.text() };
    }, href);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[0]).toBe('bucket,none,offered,answered,abandoned,service_level,asa_seconds,csat_average,nps');
    expect(await page.locator('[data-testid=dictionary] tbody tr').count()).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('[data-testid=sql-result] tbody tr').first().waitFor();
    expect(await page.locator('[data-testid=sql-result] tbody tr td').allTextContents()).toEqual([sales, '3']);
    await page.screenshot({ path: path.join(path.dirname(handlerFile), '..', '.svelte-kit', 'reports-test.png'), fullPage: true });
    await page.context().close();
  });

  it('the supervisor’s realtime table fills over WebSocket and changes when new events arrive', async () => {
    const page = await signIn('supervisor');
    await page.waitForURL(`${origin}/supervisor`);
    await page.locator('[data-testid=live]', { hasText: 'Reaaliaikainen' }).waitFor();
    const offered = page.locator('[data-testid=realtime] tbody tr', { hasText: 'Myynti' }).locator('[data-testid=offered]');
    await expect.poll(() => offered.textContent(), { timeout: 5000 }).toBe('3');
    await produceCalls(t, { orgId, queueId: sales, agentId: aino, prefix: 'c', start: now() - 5 * 60_000 });
    await expect.poll(() => offered.textContent(), { timeout: 5000 }).toBe('6');
    await page.context().close();
  });
});
