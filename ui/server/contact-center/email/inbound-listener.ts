import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { AppError } from '../../errors.ts';
import type { Logger } from '../live-organisation.ts';
import type { EmailChannel } from './email-channel.ts';

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

export interface InboundListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The built-in SMTP listener the company's mail server forwards to. Recipients without a route are
 * refused at RCPT (550); messages over the size limit at DATA (552); a message is acknowledged only
 * once it is stored. A failure of ours answers 451 (the sender's server retries) and never stops the
 * listener; mail we cannot parse is kept, flagged, and acknowledged.
 */
export async function startInboundListener(options: { host: string; port: number; maxBytes: number; channel: EmailChannel; log: Logger }): Promise<InboundListener> {
  const { channel, log } = options;
  const server = new SMTPServer({
    name: 'contact-center',
    banner: 'contact center inbound mail',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: options.maxBytes,
    logger: false,
    onRcptTo(address, _session, callback) {
      channel.routeFor(address.address).then(
        (route) => callback(route ? null : smtpError('No such mailbox here', 550)),
        (error: unknown) => {
          log.error({ err: error }, 'could not look up an e-mail route');
          callback(smtpError('Try again later', 451));
        },
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(smtpError(`Message is larger than ${options.maxBytes} bytes`, 552));
          return;
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        channel.receive(Buffer.concat(chunks), envelope).then(
          () => callback(),
          (error: unknown) => {
            if (error instanceof AppError && error.statusCode === 550) return callback(smtpError(error.message, 550));
            log.error({ err: error }, 'could not take in an e-mail');
            callback(smtpError('Try again later', 451));
          },
        );
      });
    },
  });
  server.on('error', (error) => log.error({ err: error }, 'smtp listener error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
