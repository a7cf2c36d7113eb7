import { randomUUID } from 'node:crypto';
import type { WebSocket } from '@fastify/websocket';
import { AppError } from '../../errors.ts';
import type { Logger } from '../live-organisation.ts';
import { PROTOCOL_VERSION, type ProtocolError } from '../protocol.ts';

/** A command's answer: sent as the `data` of its `ack` (other return values are not sent). */
export class Reply {
  constructor(readonly data: Record<string, unknown>) {}
}

/**
 * One socket's sending side: versioned JSON out, coded errors (a 5xx-like failure gets an opaque
 * id, logged with the error, never a stack), and an `ack` for each command that went through.
 */
export class SocketSession {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly log: Logger,
  ) {}

  send(message: { type: string } & Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify({ v: PROTOCOL_VERSION, ...message }));
  }

  refuse(error: ProtocolError): void {
    this.send({ type: 'error', code: error.code, message: error.message, ...(error.ref ? { ref: error.ref } : {}) });
  }

  fail(error: unknown, ref: string | undefined): void {
    if (error instanceof AppError) {
      this.send({ type: 'error', code: error.code, message: error.message, ...(ref ? { ref } : {}) });
      return;
    }
    const errorId = randomUUID();
    this.log.error({ err: error, errorId }, 'socket command failed');
    this.send({ type: 'error', code: 'INTERNAL', message: 'Something went wrong; quote this id when reporting it', errorId, ...(ref ? { ref } : {}) });
  }

  /** Runs one command after the ones before it (a socket's commands apply in the order sent), then acks (with a Reply's data). */
  run(ref: string | undefined, command: () => Promise<unknown> | unknown): void {
    this.queue = this.queue.then(async () => {
      try {
        const result = await command();
        if (ref) this.send({ type: 'ack', ref, ...(result instanceof Reply ? { data: result.data } : {}) });
      } catch (error) {
        this.fail(error, ref);
      }
    });
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }
}
