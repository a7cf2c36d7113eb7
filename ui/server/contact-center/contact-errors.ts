import { AppError } from '../errors.ts';

const define =
  (code: string, statusCode: number, defaultMessage: string) =>
  (message = defaultMessage, field?: string) =>
    new AppError(code, statusCode, message, field);

/** The contact center's own refusals, each with a stable code (sockets send the same codes). */
export const contactErrors = {
  unknownQueue: define('UNKNOWN_QUEUE', 404, 'No such queue'),
  unknownContact: define('UNKNOWN_CONTACT', 404, 'No such contact'),
  channelNotServed: define('CHANNEL_NOT_SERVED', 409, 'The queue does not take this channel'),
  queueClosed: define('QUEUE_CLOSED', 409, 'The service is closed now'),
  queueFull: define('QUEUE_FULL', 409, 'The queue is full now'),
  notYourContact: define('NOT_YOUR_CONTACT', 403, 'That contact is not yours'),
  notEnded: define('CONTACT_NOT_ENDED', 409, 'The contact has not ended'),
  alreadyRated: define('ALREADY_RATED', 409, 'The contact has been rated already'),
  eventsBacklogFull: define('SPOOL_FULL', 503, 'Events cannot be written now; try again shortly'),
  shuttingDown: define('SHUTTING_DOWN', 503, 'The server is shutting down'),
  tooManyContacts: define('RATE_LIMITED', 429, 'Too many new contacts from this address; try again later'),
  resumeInvalid: define('RESUME_INVALID', 404, 'Nothing to resume: the conversation has ended or the token is wrong'),
  alreadyStarted: define('ALREADY_STARTED', 409, 'This connection already has a conversation'),
  notAnAgent: define('NOT_AN_AGENT', 403, 'Only active agents take contacts'),
} as const;
