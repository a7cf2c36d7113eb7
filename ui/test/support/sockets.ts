import WebSocket from 'ws';

export type Message = { type: string } & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A real WebSocket client over loopback that keeps every message it receives, so a test can wait
 * for the one it expects (with a deadline) and send commands that are answered with ack or error.
 */
export class TestSocket {
  readonly received: Message[] = [];
  private readonly waiters = new Set<() => void>();
  private refs = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.received.push(JSON.parse(data.toString('utf8')) as Message);
      for (const wake of this.waiters) wake();
    });
    ws.on('close', () => {
      for (const wake of this.waiters) wake();
    });
  }

  static open(origin: string, path: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}${path}`, { headers: { origin, ...headers } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestSocket(ws)));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  send(message: Record<string, unknown>): string {
    const ref = `t${++this.refs}`;
    this.ws.send(JSON.stringify({ v: 1, ref, ...message }));
    return ref;
  }

  /** Sends a command and waits for its ack (or error): returns that answer. */
  async command(message: Record<string, unknown>): Promise<Message> {
    const ref = this.send(message);
    return this.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === ref);
  }

  /** The first message (from `after` on) that matches; waits up to `timeoutMs` for it. */
  async next(match: string | ((m: Message) => boolean), options: { after?: number; timeoutMs?: number } = {}): Promise<Message> {
    const test = typeof match === 'string' ? (m: Message) => m.type === match : match;
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    for (;;) {
      const found = this.received.slice(options.after ?? 0).find(test);
      if (found) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message in time; got ${JSON.stringify(this.received.slice(-8))}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** The latest message of a type so far. */
  last(type: string): Message | undefined {
    return this.received.filter((m) => m.type === type).at(-1);
  }

  get count(): number {
    return this.received.length;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** An agent's console on the real server: signed in (with the session cookie), its first state read, available. */
export async function availableAgent(origin: string, caller: { cookie: string }): Promise<TestSocket> {
  const agent = await TestSocket.open(origin, '/api/agent/ws', { cookie: caller.cookie });
  await agent.next('state');
  await agent.command({ type: 'set-status', status: 'available' });
  return agent;
}
