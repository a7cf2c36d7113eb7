/** Media's coded errors: a stable code, a message, and the HTTP-like status the API maps it to. */
export class MediaError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

export const mediaErrors = {
  unavailable: (why: string) => new MediaError('VOICE_UNAVAILABLE', 503, `Voice is off on this server: ${why}`),
  closed: () => new MediaError('CALL_CLOSED', 409, 'The call has ended'),
  noSuchPeer: () => new MediaError('NOT_IN_CALL', 409, 'Join the call first'),
  noSuchTransport: () => new MediaError('UNKNOWN_TRANSPORT', 400, 'No such transport in this call'),
  noSuchConsumer: () => new MediaError('UNKNOWN_CONSUMER', 400, 'No such consumer in this call'),
  badParameters: (detail: string) => new MediaError('BAD_MEDIA_PARAMETERS', 400, `The media parameters were refused: ${detail}`),
  cannotConsume: () => new MediaError('CANNOT_CONSUME', 400, 'Your browser cannot receive this audio (codec mismatch)'),
  alreadyProducing: () => new MediaError('ALREADY_SENDING', 409, 'This participant already sends audio'),
  notRecording: () => new MediaError('NOT_RECORDING', 409, 'No recording is running for this call'),
  notSending: () => new MediaError('NOT_SENDING', 409, 'This participant sends no audio in this mode'),
};
