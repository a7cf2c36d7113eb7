export type AcdErrorCode =
  | 'UNKNOWN_AGENT'
  | 'UNKNOWN_QUEUE'
  | 'UNKNOWN_CONTACT'
  | 'UNKNOWN_SERVICE_ROLE'
  | 'DUPLICATE_CONTACT'
  | 'CHANNEL_NOT_SERVED'
  | 'NO_SUCH_OFFER'
  | 'CONTACT_NOT_CONNECTED'
  | 'CONTACT_NOT_HELD'
  | 'CONTACT_NOT_ACTIVE'
  | 'CONTACT_NOT_TRANSFERABLE'
  | 'CONTACT_CLOSED'
  | 'NOT_IN_WRAP_UP'
  | 'CLASSIFICATION_REQUIRED'
  | 'INVALID_INPUT';

/** A command the engine refuses; nothing changed. The server maps the code to a 4xx. */
export class AcdError extends Error {
  constructor(
    readonly code: AcdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AcdError';
  }
}
