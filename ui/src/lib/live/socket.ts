export type ServerMessage = { type: string } & Record<string, unknown>;

/**
 * A protocol-v1 WebSocket to our server that comes back by itself: after a drop it reconnects
 * with back-off and says hello again, and the server answers with the whole state.
 */
export class LiveSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private attempt = 0;
  private refs = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly path: string,
    private readonly onMessage: (message: ServerMessage) => void,
    private readonly onStatus: (connected: boolean) => void,
  ) {
    this.connect();
  }

  /** Sends a command; returns its ref (the server's ack or error carries it). */
  send(message: { type: string } & Record<string, unknown>): string | null {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return null;
    const ref = `c${++this.refs}`;
    this.ws.send(JSON.stringify({ v: 1, ref, ...message }));
    return ref;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
  }

  private connect(): void {
    const url = new URL(this.path, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onStatus(true);
    };
    ws.onmessage = (event) => this.onMessage(JSON.parse(String(event.data)) as ServerMessage);
    ws.onclose = () => {
      this.onStatus(false);
      if (this.closed) return;
      this.attempt = Math.min(this.attempt + 1, 6);
      this.timer = setTimeout(() => this.connect(), 200 * 2 ** this.attempt);
    };
  }
}
