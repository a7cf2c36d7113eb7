/**
 * Every error the API can return, defined once: a stable code, an HTTP status and a message.
 * Clients get `{ error: { code, message, field? } }`; a 5xx gets only an opaque `errorId`.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    /** The input field at fault, as a JSON-pointer-ish path (`name`, `memberships/0/queueId`). */
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

const define =
  (code: string, statusCode: number, defaultMessage: string) =>
  (message = defaultMessage, field?: string, details?: Record<string, unknown>) =>
    new AppError(code, statusCode, message, field, details);

export const errors = {
  validationFailed: define('VALIDATION_FAILED', 400, 'The request is not valid'),
  referenceNotFound: define('REFERENCE_NOT_FOUND', 400, 'A referenced item does not exist'),
  badJson: define('BAD_JSON', 400, 'The request body is not valid JSON'),
  unsupportedMediaType: define('UNSUPPORTED_MEDIA_TYPE', 415, 'Send application/json'),
  bodyTooLarge: define('BODY_TOO_LARGE', 413, 'The request body is too large'),
  notSignedIn: define('NOT_SIGNED_IN', 401, 'Sign in first'),
  invalidCredentials: define('INVALID_CREDENTIALS', 401, 'Wrong username or password'),
  forbidden: define('FORBIDDEN', 403, 'Your roles do not allow this'),
  csrfTokenInvalid: define('CSRF_TOKEN_INVALID', 403, 'Missing or wrong CSRF token'),
  csrfOriginMismatch: define('CSRF_ORIGIN_MISMATCH', 403, 'Cross-site request refused'),
  signInRateLimited: define('SIGN_IN_RATE_LIMITED', 429, 'Too many sign-in attempts; try again later'),
  notFound: define('NOT_FOUND', 404, 'No such item'),
  routeNotFound: define('ROUTE_NOT_FOUND', 404, 'No such API route'),
  conflict: define('CONFLICT', 409, 'That conflicts with an existing item'),
  inUse: define('IN_USE', 409, 'The item is still in use'),
  passwordTooWeak: define('PASSWORD_TOO_WEAK', 400, 'The password must be at least 10 characters'),
} as const;

export type ErrorBody = {
  error: { code: string; message: string; field?: string; errorId?: string; details?: Record<string, unknown> };
};
