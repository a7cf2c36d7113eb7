import { AcdEngine, VirtualClock } from '@cc/acd';
import { acdEventToRecord, createUuidV7Generator, type EventRecord } from '@cc/ingest';
import type { TestApp } from './app.ts';

/**
 * Three voice calls in one queue through the real engine, starting at `start`: answered after 5 s
 * and after 30 s, one abandoned after 12 s; handled for 30 s and 60 s. Written through the app's writer.
 */
export async function produceCalls(t: TestApp, options: { orgId: string; queueId: string; agentId: string; prefix: string; start: number }) {
  const { orgId, queueId, agentId, prefix, start } = options;
  const clock = new VirtualClock(start);
  const nextId = createUuidV7Generator(() => clock.now());
  const records: EventRecord[] = [];
  const engine = new AcdEngine({ clock, emit: (event) => records.push(acdEventToRecord(event, { event_id: nextId(), org_id: orgId, ingested_at: clock.now() })) });
  engine.upsertQueue({ id: queueId, channels: ['voice'], strategy: 'longest-idle', serviceLevel: { thresholdSeconds: 20, targetPercent: 80 }, wrapUpSeconds: 0, classificationRequired: false, priority: 50, offerTimeoutSeconds: 60, notReadyOnNoAnswer: false });
  engine.upsertServiceRole({ id: 'r', memberships: [{ queueId, priority: 1 }] });
  engine.upsertAgent({ id: agentId, skills: {}, serviceRoleId: 'r' });
  const at = (seconds: number) => {
    engine.advanceTo(start + seconds * 1000);
    clock.set(start + seconds * 1000);
  };
  engine.setAgentStatus(agentId, { status: 'available' });
  engine.enqueue({ id: `${prefix}1`, channel: 'voice', queueId });
  at(5);
  engine.accept(agentId, `${prefix}1`);
  engine.enqueue({ id: `${prefix}2`, channel: 'voice', queueId });
  engine.enqueue({ id: `${prefix}3`, channel: 'voice', queueId });
  at(17);
  engine.endContact(`${prefix}3`);
  at(35);
  engine.endContact(`${prefix}1`);
  engine.accept(agentId, `${prefix}2`);
  at(95);
  engine.endContact(`${prefix}2`);
  await t.writer.append(records);
  await t.writer.flush();
}
