// bench:chat — N agents and M customers over WebSocket against a running server (a child process
// on this machine, the same `main.ts` that `npm start` runs, on a fresh SQLite store and chdb).
// Measures offer latency (the customer's "start" sent → the offer on an agent's socket) and chat
// messages per second delivered end to end. Last line: one JSON object of the figures.
//
// Two loads: by default customers arrive at --rate chats/s (Poisson) and think --think s between
// messages, as a busy contact center's would; --rate 0 runs --customers back-to-back customers
// with no pauses, to find the ceiling.
//
//   npm run bench:chat -- --agents 500 --rate 25 --chats 3000 --messages 4 --think 0.5
//   npm run bench:chat -- --agents 500 --rate 0 --customers 300 --chats 3000
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { hashPassword } from '../server/auth/passwords.ts';
import { SessionStore } from '../server/auth/session-store.ts';
import { seedDemoOrganisation } from '../server/seed/demo-organisation.ts';
import { createOltpStore } from '../server/stores/oltp/oltp-store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const AGENTS = arg('agents', 500);
const CUSTOMERS = arg('customers', 300);
const CHATS = arg('chats', 3000);
const MESSAGES = arg('messages', 4);
const RATE = arg('rate', 25);
const THINK_MS = arg('think', 0.5) * 1000;
/** The first chats warm the server (JIT, ClickHouse's first parts): measured apart, as "cold". */
const WARMUP = arg('warmup', 300);

type Msg = { type: string } & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function prepare(dataDir: string) {
  const store = await createOltpStore({ kind: 'sqlite', file: path.join(dataDir, 'oltp.sqlite') });
  await store.migrate();
  const now = Date.now();
  await seedDemoOrganisation(store.db, { now, passwordCost: 'test' });
  const org = await store.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow();
  // A queue for the bench, open around the clock, no wrap-up: chats close when they end.
  const queueId = randomUUID();
  const roleId = randomUUID();
  await store.db
    .insertInto('queues')
    .values({
      id: queueId,
      org_id: org.id,
      name: 'Bench',
      description: '',
      channels: JSON.stringify(['chat']),
      strategy: 'longest-idle',
      sl_threshold_seconds: 20,
      sl_target_percent: 80,
      wrap_up_seconds: 0,
      classification_required: 0,
      classification_group_id: null,
      business_hours_id: null,
      max_queue_length: null,
      priority: 50,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await store.db.insertInto('service_roles').values({ id: roleId, org_id: org.id, name: 'Bench', description: '', created_at: now, updated_at: now }).execute();
  await store.db.insertInto('service_role_queues').values({ service_role_id: roleId, queue_id: queueId, priority: 1 }).execute();
  const hash = await hashPassword('bench-password-not-used', 'test');
  const sessions = new SessionStore(store.db, { idleMs: 3_600_000, maxMs: 3_600_000 }, Date.now);
  const cookies: string[] = [];
  for (let i = 0; i < AGENTS; i += 1) {
    const id = randomUUID();
    await store.db
      .insertInto('users')
      .values({ id, org_id: org.id, username: `bench${i}`, display_name: `Bench ${i}`, email: null, password_hash: hash, language: 'en', active: 1, active_service_role_id: roleId, created_at: now, updated_at: now })
      .execute();
    await store.db.insertInto('user_roles').values({ user_id: id, role: 'agent' }).execute();
    await store.db.insertInto('user_service_roles').values({ user_id: id, service_role_id: roleId }).execute();
    const session = await sessions.create(id, '127.0.0.1', 'bench');
    cookies.push(`cc_session=${session.token}`);
  }
  await store.close();
  return { queueId, cookies };
}

function startServer(dataDir: string): Promise<{ origin: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SERVER_PROFILE] : []), '--import', 'tsx', path.join(here, '../server/main.ts')], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO_SEED: '0', WIDGET_STARTS_PER_ADDRESS: '1000000', INBOUND_SMTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Contact center at (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        resolve({
          origin: match[1]!.replace('localhost', '127.0.0.1'),
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const open = (url: string, headers: Record<string, string> = {}) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
const send = (ws: WebSocket, message: Record<string, unknown>) => ws.send(JSON.stringify({ v: 1, ...message }));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cc-bench-chat-'));
  console.log(`preparing ${AGENTS} agents…`);
  const { queueId, cookies } = await prepare(dataDir);
  const server = await startServer(dataDir);
  const wsOrigin = server.origin.replace(/^http/, 'ws');
  console.log(`server at ${server.origin}; connecting agents…`);

  const startedAt = new Map<string, number>(); // contactId → start sent
  const offeredAt = new Map<string, number>(); // contactId → offer seen
  const sentBy = new Map<WebSocket, number>();
  const latencies: number[] = [];
  const cold: number[] = [];
  let measuredChats = 0;
  const note = (contactId: string) => {
    const a = startedAt.get(contactId);
    const b = offeredAt.get(contactId);
    if (a !== undefined && b !== undefined) {
      (measuredChats++ < WARMUP ? cold : latencies).push(b - a);
      if (process.env.BENCH_SLOW && b - a > 50) console.log(`slow offer ${(b - a).toFixed(0)} ms at ${(a / 1000).toFixed(2)} s`);
      startedAt.delete(contactId);
      offeredAt.delete(contactId);
    }
  };
  let delivered = 0;

  // Agents: accept every offer at once, echo each customer message.
  const agents: WebSocket[] = [];
  for (let i = 0; i < AGENTS; i += 1) {
    const ws = await open(`${wsOrigin}/api/agent/ws`, { cookie: cookies[i]!, origin: server.origin });
    const accepted = new Set<string>();
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as Msg;
      if (m.type === 'state') {
        for (const offer of m.offers as { contactId: string }[]) {
          if (accepted.has(offer.contactId)) continue;
          accepted.add(offer.contactId);
          if (!offeredAt.has(offer.contactId)) offeredAt.set(offer.contactId, performance.now());
          note(offer.contactId);
          send(ws, { type: 'accept', contactId: offer.contactId });
        }
        for (const id of accepted) if (!(m.contacts as { contactId: string }[]).some((c) => c.contactId === id) && !(m.offers as { contactId: string }[]).some((o) => o.contactId === id)) accepted.delete(id);
      } else if (m.type === 'message' && m.message.from === 'customer') {
        send(ws, { type: 'send', contactId: m.message.contactId, text: `re: ${m.message.text}` });
      }
    });
    send(ws, { type: 'set-status', status: 'available' });
    agents.push(ws);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log(
    RATE > 0
      ? `${AGENTS} agents available; ${CHATS} chats arrive at ${RATE}/s, ${MESSAGES} messages each way, ${THINK_MS} ms between a customer's messages…`
      : `${AGENTS} agents available; ${CUSTOMERS} customers run ${CHATS} chats of ${MESSAGES} messages each way, back to back…`,
  );

  let remaining = CHATS;
  const t0 = performance.now();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** One customer's chat: start, exchange MESSAGES messages (thinking between them), leave. */
  const chat = async () => {
    const ws = await open(`${wsOrigin}/api/widget/ws`);
    await new Promise<void>((resolve, reject) => {
      let exchanged = 0;
      const say = () => send(ws, { type: 'send', text: `message ${exchanged}` });
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as Msg;
        if (m.type === 'started') {
          startedAt.set(m.contactId, sentBy.get(ws)!);
          note(m.contactId);
        } else if (m.type === 'agent') {
          say();
        } else if (m.type === 'message' && m.message.from === 'agent') {
          delivered += 2; // the customer's message reached the agent, and the reply came back
          exchanged += 1;
          if (exchanged < MESSAGES) void sleep(THINK_MS).then(say);
          else send(ws, { type: 'leave' });
        } else if (m.type === 'ended') {
          ws.close();
          resolve();
        } else if (m.type === 'error' || m.type === 'unavailable') {
          reject(new Error(JSON.stringify(m)));
        }
      });
      sentBy.set(ws, performance.now());
      send(ws, { type: 'start', queueId, name: 'Bench customer' });
    });
  };
  const closedLoop = async () => {
    while (remaining > 0) {
      remaining -= 1;
      await chat();
    }
  };
  /** Open loop: arrivals at RATE per second whatever the server's pace, as real customers arrive. */
  const openLoop = async () => {
    const running: Promise<void>[] = [];
    let next = performance.now();
    for (let i = 0; i < CHATS; i += 1) {
      next += (-Math.log(1 - Math.random()) / RATE) * 1000;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      running.push(chat());
    }
    await Promise.all(running);
  };
  try {
    if (RATE > 0) await openLoop();
    else await Promise.all(Array.from({ length: CUSTOMERS }, closedLoop));
  } finally {
    for (const ws of agents) ws.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;

  latencies.sort((a, b) => a - b);
  const all = [...cold, ...latencies].sort((a, b) => a - b);
  const figures = {
    agents: AGENTS,
    load: RATE > 0 ? `open loop, ${RATE} chats/s` : `closed loop, ${CUSTOMERS} customers`,
    chats: CHATS,
    offers_measured: latencies.length,
    offer_p50_ms: Number(percentile(latencies, 50).toFixed(2)),
    offer_p99_ms: Number(percentile(latencies, 99).toFixed(2)),
    offer_max_ms: Number(percentile(latencies, 100).toFixed(2)),
    warmup_chats: cold.length,
    offer_p99_ms_with_warmup: Number(percentile(all, 99).toFixed(2)),
    messages_delivered: delivered,
    messages_per_second: Math.round(delivered / seconds),
    chats_per_second: Number((CHATS / seconds).toFixed(1)),
    seconds: Number(seconds.toFixed(1)),
  };
  console.log(`offer latency p50 ${figures.offer_p50_ms} ms, p99 ${figures.offer_p99_ms} ms (max ${figures.offer_max_ms} ms) over ${latencies.length} offers after ${cold.length} warm-up chats`);
  console.log(`with the warm-up: p99 ${figures.offer_p99_ms_with_warmup} ms`);
  console.log(`${delivered} messages in ${figures.seconds} s: ${figures.messages_per_second}/s; ${figures.chats_per_second} chats/s`);
  console.log(JSON.stringify(figures));
}

await main();
