import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcdEngine, VirtualClock } from '@cc/acd';
import { acdEventToRecord, clickhouseTarget, createUuidV7Generator, EventWriter, FAMILIES, type EventRecord } from '@cc/ingest';
import { clickhouseMigrations, createAnalyticsStore, historicalReport, METRIC_PARAMETERS, metricDictionaryMarkdown, METRICS, migrateClickHouse, realtimeSnapshot, toCsv } from '../src/index.ts';

/** Monday 7 December 2026, 10:00 in Helsinki. */
const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;
const ORG = 'org-metrics';
const dataDir = path.join(os.tmpdir(), `cc-chdb-${process.pid}`);
const store = createAnalyticsStore({ kind: 'chdb', dataDir, database: 'metrics_test' });
const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'cc-spool-'));
let writer: EventWriter;

/**
 * The scripted morning (seconds after 10:00). Queues: sales (voice, chat; 30 s wrap-up) and
 * support (chat, email; no wrap-up). a1 serves sales; a2 serves sales and support.
 *   c1 voice sales, customer A, t=0: a1 accepts t=5 (wait 5); hold 65–95 (30 s); ends 185; wrap-up timer to 215.
 *   c2 voice sales, customer B, t=10: a2 (not ready until 40) offered 40, accepts 45 (wait 35); ends 105; classified 115 (ACW 10).
 *   c3 chat sales, customer A, t=20: abandoned t=23 (wait 3: a short abandon; and a repeat of c1 within 72 h).
 *   c4 voice sales, t=30: abandoned t=60 (wait 30).
 *   c5 chat support, customer C, t=120: a2 accepts 132 (wait 12); a2 goes not ready 149, transfers to sales 150;
 *      in sales it waits for a1 (free at 215), a1 accepts 220 (wait 70); ends 280; wrap-up to 310.
 *   c6 email support, customer D, t=200: nobody can take it; still waiting at the end.
 */
async function runMorning(): Promise<void> {
  const clock = new VirtualClock(T0);
  const nextId = createUuidV7Generator(() => clock.now());
  const records: EventRecord[] = [];
  const engine = new AcdEngine({ clock, emit: (event) => records.push(acdEventToRecord(event, { event_id: nextId(), org_id: ORG, ingested_at: clock.now() })) });
  const queue = (id: string, channels: ('voice' | 'chat' | 'email')[], wrapUpSeconds: number) =>
    engine.upsertQueue({ id, channels, strategy: 'longest-idle', serviceLevel: { thresholdSeconds: 20, targetPercent: 80 }, wrapUpSeconds, classificationRequired: false, priority: 50, offerTimeoutSeconds: 60, notReadyOnNoAnswer: false });
  queue('sales', ['voice', 'chat'], 30);
  queue('support', ['chat', 'email'], 0);
  engine.upsertServiceRole({ id: 'r1', memberships: [{ queueId: 'sales', priority: 1 }] });
  engine.upsertServiceRole({ id: 'r2', memberships: [{ queueId: 'sales', priority: 1 }, { queueId: 'support', priority: 1 }] });
  engine.upsertAgent({ id: 'a1', skills: {}, serviceRoleId: 'r1' });
  engine.upsertAgent({ id: 'a2', skills: {}, serviceRoleId: 'r2' });
  const at = (seconds: number) => {
    engine.advanceTo(s(seconds));
    clock.set(s(seconds));
  };
  engine.setAgentStatus('a1', { status: 'available' });
  engine.setAgentStatus('a2', { status: 'not-ready', reason: 'meeting' });
  engine.enqueue({ id: 'c1', channel: 'voice', queueId: 'sales', customerId: 'A' });
  at(5);
  engine.accept('a1', 'c1');
  at(10);
  engine.enqueue({ id: 'c2', channel: 'voice', queueId: 'sales', customerId: 'B' });
  at(20);
  engine.enqueue({ id: 'c3', channel: 'chat', queueId: 'sales', customerId: 'A' });
  at(23);
  engine.endContact('c3');
  at(30);
  engine.enqueue({ id: 'c4', channel: 'voice', queueId: 'sales' });
  at(40);
  engine.setAgentStatus('a2', { status: 'available' });
  at(45);
  engine.accept('a2', 'c2');
  at(60);
  engine.endContact('c4');
  at(65);
  engine.hold('c1');
  at(95);
  engine.resume('c1');
  at(105);
  engine.endContact('c2');
  at(115);
  engine.completeWrapUp('a2', 'c2', 'new-order');
  at(120);
  engine.enqueue({ id: 'c5', channel: 'chat', queueId: 'support', customerId: 'C' });
  at(132);
  engine.accept('a2', 'c5');
  at(149);
  engine.setAgentStatus('a2', { status: 'not-ready', reason: 'break' });
  at(150);
  engine.transfer('c5', { queueId: 'sales' });
  at(185);
  engine.endContact('c1');
  at(200);
  engine.enqueue({ id: 'c6', channel: 'email', queueId: 'support', customerId: 'D' });
  at(220);
  engine.accept('a1', 'c5');
  at(280);
  engine.endContact('c5');
  at(400);
  // Surveys after the contacts: CSAT 5, 3, 4 and NPS 10, 6, 8.
  const survey = (contactId: string, kind: 'csat' | 'nps', score: number, queueId: string, agentId: string) => ({
    table: FAMILIES.survey.table,
    row: { event_id: nextId(), org_id: ORG, at: s(500), type: 'survey.answered', version: 1, ingested_at: s(500), contact_id: contactId, customer_id: '', queue_id: queueId, agent_id: agentId, channel: 'voice', classification: '', kind, score },
  });
  records.push(survey('c1', 'csat', 5, 'sales', 'a1'), survey('c2', 'csat', 3, 'sales', 'a2'), survey('c5', 'csat', 4, 'sales', 'a1'));
  records.push(survey('c1', 'nps', 10, 'sales', 'a1'), survey('c2', 'nps', 6, 'sales', 'a2'), survey('c5', 'nps', 8, 'sales', 'a1'));
  // Web feedback through its workflow (seconds after 10:00; H = one hour):
  //   f1 support/delivery: new 0, answered 1800 (0.5 h), closed 1900.
  //   f2 support/delivery: new 100, answered 100 + 30 H (after the period: still counted), closed just after.
  //   f3 billing/invoice:  new 200, nothing since (0.94 h old at the period's end: not past billing's 1 h target yet).
  //   f4 billing/invoice:  new 300, answered 300 + 2 H, closed.
  //   f0 support/delivery: new two hours before the period: not in it.
  const H = 3600;
  const step = (id: string, queueId: string, topic: string, at: number, status: string, previous: string) => ({
    table: FAMILIES.feedback.table,
    row: { event_id: nextId(), org_id: ORG, at: s(at), type: 'feedback.status_changed', version: 1, ingested_at: s(at), feedback_id: id, contact_id: id, queue_id: queueId, topic, status, previous_status: previous },
  });
  const flow = (id: string, queueId: string, topic: string, times: number[]) =>
    ['new', 'assigned', 'answered', 'closed'].slice(0, times.length).map((status, i, all) => step(id, queueId, topic, times[i]!, status, i === 0 ? '' : all[i - 1]!));
  records.push(
    ...flow('f1', 'support', 'delivery', [0, 60, 1800, 1900]),
    ...flow('f2', 'support', 'delivery', [100, 200, 100 + 30 * H, 100 + 30 * H + 10]),
    ...flow('f3', 'billing', 'invoice', [200]),
    ...flow('f4', 'billing', 'invoice', [300, 400, 300 + 2 * H, 300 + 2 * H + 60]),
    ...flow('f0', 'support', 'delivery', [-2 * H, -2 * H + 10]),
  );
  await writer.append(records);
  await writer.flush();
}

const period = { orgId: ORG, from: T0 - 3600_000, to: T0 + 3600_000, timeZone: 'Europe/Helsinki' };
const allMetrics = METRICS.map((m) => m.id);

beforeAll(async () => {
  await migrateClickHouse(store, clickhouseMigrations);
  writer = await EventWriter.open({ dir: spoolDir, target: clickhouseTarget(store.client, store.database), flushIntervalMs: 50 });
  await runMorning();
});

afterAll(async () => {
  await writer.close();
  await store.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

describe('metrics on a scripted morning, against values worked out by hand', () => {
  it('per queue: volumes, every service-level variant, speed and handle times, rates', async () => {
    const report = await historicalReport(store, { ...period, granularity: 'total', dimension: 'queue', metrics: allMetrics });
    const sales = report.rows.find((r) => r.key === 'sales')!.values;
    const support = report.rows.find((r) => r.key === 'support')!.values;
    // Sales: c1 (answered, 5 s), c2 (answered, 35 s), c3 (abandoned, 3 s), c4 (abandoned, 30 s), c5 (answered, 70 s).
    expect(sales.offered).toBe(5);
    expect(sales.answered).toBe(3);
    expect(sales.abandoned).toBe(2);
    expect(sales.short_abandoned).toBe(1); // c3, within 5 s
    expect(sales.service_level).toBeCloseTo(1 / 3, 10); // c1 within 20 s, of 3 answered
    expect(sales.service_level_sl2).toBeCloseTo(2 / 5, 10); // (c1 + c3) ÷ (3 + 2)
    expect(sales.service_level_removed).toBeCloseTo(2 / 5, 10); // (c1 + c3) ÷ 5 offered
    expect(sales.service_level_genesys).toBeCloseTo(1 / 4, 10); // c1 ÷ (3 answered + 2 abandoned − 1 short)
    expect(sales.asa_seconds).toBeCloseTo((5 + 35 + 70) / 3, 10);
    expect(sales.handled).toBe(3);
    // AHT: c1 180 talk (incl. 30 hold) + 30 ACW = 210; c2 60 + 10 = 70; c5 60 + 30 = 90.
    expect(sales.aht_seconds).toBeCloseTo((210 + 70 + 90) / 3, 10);
    expect(sales.acw_seconds).toBeCloseTo((30 + 10 + 30) / 3, 10);
    expect(sales.hold_seconds).toBeCloseTo(10, 10);
    expect(sales.abandonment_rate).toBeCloseTo(1 / 4, 10); // (2 − 1 short) ÷ (5 − 1 short)
    expect(sales.longest_wait_seconds).toBe(70);
    expect(sales.transfer_rate).toBe(0);
    // Support: c5 answered in 12 s then transferred away; c6 still waiting.
    expect(support).toMatchObject({ offered: 2, answered: 1, abandoned: 0, handled: 0, transfer_rate: 1, longest_wait_seconds: 12, asa_seconds: 12 });
    expect(support.service_level).toBe(1);
    expect(support.service_level_sl2).toBe(1);
    expect(support.service_level_removed).toBe(0.5); // c6 still in line counts in the denominator
    expect(support.aht_seconds).toBeNull();
    // Agent-time and survey metrics cannot be split by queue for agent time: null, not zero.
    expect(sales.occupancy).toBeNull();
  });

  it('the parameters change the answers as documented', async () => {
    const report = await historicalReport(store, {
      ...period,
      granularity: 'total',
      dimension: 'queue',
      metrics: ['service_level', 'service_level_genesys', 'abandonment_rate', 'short_abandoned'],
      parameters: { sl_threshold_s: 40, include_abandons: 1, exclude_short_abandons: 0 },
    });
    const sales = report.rows.find((r) => r.key === 'sales')!.values;
    expect(sales.service_level).toBeCloseTo(2 / 3, 10); // c1 and c2 within 40 s
    expect(sales.service_level_genesys).toBeCloseTo(2 / 5, 10); // 2 ÷ (3 + 2)
    expect(sales.abandonment_rate).toBeCloseTo(2 / 5, 10);
  });

  it('occupancy, staffed hours and contacts per agent hour from agent time', async () => {
    const byAgent = await historicalReport(store, { ...period, granularity: 'total', dimension: 'agent', metrics: ['occupancy', 'staffed_hours', 'contacts_per_agent_hour', 'handled'] });
    const a1 = byAgent.rows.find((r) => r.key === 'a1')!.values;
    const a2 = byAgent.rows.find((r) => r.key === 'a2')!.values;
    // a1 handles 180 + 30 + 60 + 30 = 300 s, is available and idle or ringing 5 + 5 + 3290 = 3300 s.
    expect(a1.occupancy).toBeCloseTo(300 / 3600, 10);
    // a2 handles 60 + 10 + 18 = 88 s, available and idle or ringing 5 + 5 + 12 = 22 s; not-ready time is outside.
    expect(a2.occupancy).toBeCloseTo(88 / 110, 10);
    expect(a1.staffed_hours).toBeCloseTo(1, 10);
    expect(a2.staffed_hours).toBeCloseTo(1, 10);
    expect(a1.contacts_per_agent_hour).toBeCloseTo(2, 10); // c1, c5 in one hour
    expect(a2.contacts_per_agent_hour).toBeCloseTo(1, 10); // c2
    const all = await historicalReport(store, { ...period, granularity: 'total', dimension: 'none', metrics: ['occupancy', 'contacts_per_agent_hour'] });
    expect(all.rows[0]!.values.occupancy).toBeCloseTo(388 / 3710, 10);
    expect(all.rows[0]!.values.contacts_per_agent_hour).toBeCloseTo(3 / 2, 10);
  });

  it('does not count agent time past now when the period runs into the future', async () => {
    const report = await historicalReport(store, { ...period, now: s(400), granularity: 'total', dimension: 'agent', metrics: ['occupancy', 'staffed_hours'] });
    const a1 = report.rows.find((r) => r.key === 'a1')!.values;
    // At t=400: a1 handled 300 s and was available and idle or ringing 5 + 5 + (400 − 310) = 100 s.
    expect(a1.occupancy).toBeCloseTo(300 / 400, 10);
    expect(a1.staffed_hours).toBeCloseTo(400 / 3600, 10);
  });

  it('teams come from the agent mapping', async () => {
    const byTeam = await historicalReport(store, { ...period, granularity: 'total', dimension: 'team', metrics: ['answered', 'occupancy'], teams: { a1: 'Helsinki', a2: 'Tampere' } });
    // Answered by the answering agent: a1 answered c1 and c5 (in sales); a2 answered c2 and c5 (in support).
    // Contacts nobody answered (c3, c4, c6) belong to no team.
    expect(byTeam.rows.map((r) => [r.key, r.values.answered])).toEqual([
      ['', 0],
      ['Helsinki', 2],
      ['Tampere', 2],
    ]);
  });

  it('repeat contacts per customer across channels, and CSAT and NPS', async () => {
    const report = await historicalReport(store, { ...period, granularity: 'total', dimension: 'none', metrics: ['repeat_rate', 'csat_average', 'csat_satisfied', 'nps', 'survey_answers'] });
    const values = report.rows[0]!.values;
    expect(values.repeat_rate).toBeCloseTo(1 / 5, 10); // c3 repeats c1 (customer A) 20 s later; five contacts with a customer
    expect(values.csat_average).toBeCloseTo(4, 10);
    expect(values.csat_satisfied).toBeCloseTo(2 / 3, 10);
    expect(values.nps).toBe(0); // one promoter (10), one detractor (6), one passive (8)
    expect(values.survey_answers).toBe(6);
    const byQueue = await historicalReport(store, { ...period, granularity: 'total', dimension: 'queue', metrics: ['repeat_rate'] });
    expect(byQueue.rows.map((r) => [r.key, r.values.repeat_rate])).toEqual([
      ['sales', 1 / 3],
      ['support', 0],
    ]);
  });

  it('buckets by the organisation’s time zone, and can keep to business hours', async () => {
    const quarter = await historicalReport(store, { ...period, granularity: '15m', dimension: 'none', metrics: ['offered'] });
    expect(quarter.rows).toEqual([{ bucket: '2026-12-07 10:00', key: '', values: { offered: 7 } }]);
    const week = await historicalReport(store, { ...period, granularity: 'week', dimension: 'channel', metrics: ['offered'] });
    expect(week.rows.map((r) => [r.bucket, r.key, r.values.offered])).toEqual([
      ['2026-12-07', 'chat', 3],
      ['2026-12-07', 'email', 1],
      ['2026-12-07', 'voice', 3],
    ]);
    // Open 10:00–10:02 local, closing time exclusive: c1–c4 are inside; c5 arrived in support at exactly
    // 10:02:00, its sales segment at 10:02:30, and c6 at 10:03:20, all outside.
    const inHours = await historicalReport(store, {
      ...period,
      granularity: 'total',
      dimension: 'queue',
      metrics: ['offered'],
      businessHours: { weekly: [{ day: 1, open: '10:00', close: '10:02' }], holidays: [] },
    });
    expect(inHours.rows.map((r) => [r.key, r.values.offered])).toEqual([['sales', 4]]);
    const holiday = await historicalReport(store, { ...period, granularity: 'total', dimension: 'none', metrics: ['offered'], businessHours: { weekly: [{ day: 1, open: '00:00', close: '24:00' }], holidays: ['2026-12-07'] } });
    expect(holiday.rows).toEqual([]);
  });

  it('exports CSV', async () => {
    const report = await historicalReport(store, { ...period, granularity: 'total', dimension: 'queue', metrics: ['offered', 'service_level', 'aht_seconds'] });
    expect(toCsv(report, 'queue')).toBe(`bucket,queue,offered,service_level,aht_seconds\r\ntotal,sales,5,${1 / 3},${370 / 3}\r\ntotal,support,2,1,\r\n`);
  });

  it('realtime: waiting now, oldest wait, today so far from the per-minute view, agents by state', async () => {
    const rows = await realtimeSnapshot(store, { orgId: ORG, timeZone: 'Europe/Helsinki', now: s(400), queues: [{ id: 'sales', slThresholdSeconds: 20 }, { id: 'support', slThresholdSeconds: 20 }] });
    const salesVoice = rows.find((r) => r.queueId === 'sales' && r.channel === 'voice')!;
    const salesChat = rows.find((r) => r.queueId === 'sales' && r.channel === 'chat')!;
    const supportEmail = rows.find((r) => r.queueId === 'support' && r.channel === 'email')!;
    // Voice in sales: c1 (5 s), c2 (35 s) answered; c4 abandoned.
    expect(salesVoice).toMatchObject({ offeredToday: 3, answeredToday: 2, abandonedToday: 1, waiting: 0, serviceLevelToday: 0.5, asaSecondsToday: 20 });
    // Chat in sales: c3 abandoned, c5 answered in 70 s after its transfer.
    expect(salesChat).toMatchObject({ offeredToday: 2, answeredToday: 1, abandonedToday: 1, serviceLevelToday: 0, asaSecondsToday: 70 });
    // c6 joined at t=200 (10:03:20). The line view counts from the start of the minute it joined
    // (10:03:00): 220 s at t=400 — never less than the real wait, and under a minute more.
    expect(supportEmail).toMatchObject({ waiting: 1, oldestWaitSeconds: 220, offeredToday: 1 });
    // At t=400: a1 idle (available), a2 idle (not ready): both idle; a1 is in sales, a2 in sales and support.
    expect(salesVoice.agents).toEqual({ idle: 2 });
    expect(supportEmail.agents).toEqual({ idle: 1 });
  });

  it('keeps the metric dictionary in the repo current', () => {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../METRICS.md');
    expect(readFileSync(file, 'utf8')).toBe(metricDictionaryMarkdown(METRIC_PARAMETERS));
  });

  it('feedback by topic and queue: volumes, response times, on target by each queue’s own target', async () => {
    const metrics = ['feedback_received', 'feedback_answered', 'feedback_response_hours', 'feedback_on_target', 'feedback_open'];
    const byTopic = await historicalReport(store, { ...period, granularity: 'total', dimension: 'topic', metrics, responseTargets: { billing: 3600 } });
    const delivery = byTopic.rows.find((r) => r.key === 'delivery')!.values;
    const invoice = byTopic.rows.find((r) => r.key === 'invoice')!.values;
    // delivery: f1 (0.5 h, within the default 24 h) and f2 (30 h, late); both answered and closed.
    expect(delivery).toMatchObject({ feedback_received: 2, feedback_answered: 2, feedback_on_target: 0.5, feedback_open: 0 });
    expect(delivery.feedback_response_hours).toBeCloseTo((0.5 + 30) / 2, 10);
    // invoice: f4 answered in 2 h against billing's 1 h (late); f3 unanswered but not yet past its target, so not judged.
    expect(invoice).toMatchObject({ feedback_received: 2, feedback_answered: 1, feedback_on_target: 0, feedback_open: 1 });
    expect(invoice.feedback_response_hours).toBeCloseTo(2, 10);
    // Later, f3 is past its target unanswered: it counts against (0 of 2).
    const later = await historicalReport(store, { ...period, now: s(200 + 2 * 3600), to: s(200 + 2 * 3600), granularity: 'total', dimension: 'topic', metrics: ['feedback_on_target', 'feedback_received'], responseTargets: { billing: 3600 } });
    expect(later.rows.find((r) => r.key === 'invoice')!.values).toMatchObject({ feedback_on_target: 0, feedback_received: 2 });
    // With a 48 h default, f2 is on target too; by queue, support's two and billing's two.
    const byQueue = await historicalReport(store, { ...period, granularity: 'total', dimension: 'queue', metrics, parameters: { feedback_target_h: 48 } });
    expect(byQueue.rows.find((r) => r.key === 'support')!.values).toMatchObject({ feedback_received: 2, feedback_on_target: 1 });
    // Without billing's own target, f4's 2 h is within 48 h.
    expect(byQueue.rows.find((r) => r.key === 'billing')!.values).toMatchObject({ feedback_received: 2, feedback_answered: 1, feedback_on_target: 1 });
  });
});
