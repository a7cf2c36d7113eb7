import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errors, type ErrorBody } from '../errors.ts';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Names the field an ajv issue is about: `name`, `memberships/0/queueId`, or the missing property. */
export function fieldOf(issue: ValidationIssue): string {
  const base = issue.instancePath.replace(/^\//, '');
  const extra = (issue.params.missingProperty ?? issue.params.additionalProperty) as string | undefined;
  if (extra) return base ? `${base}/${extra}` : extra;
  return base || '(body)';
}

function describe(issue: ValidationIssue, field: string): string {
  if (issue.keyword === 'additionalProperties') return `${field} is not a known field`;
  if (issue.keyword === 'required') return `${field} is required`;
  return `${field} ${issue.message ?? 'is not valid'}`;
}

/** Turns anything thrown into a coded error: a 4xx says what was wrong; a 5xx says only its id. */
function toAppError(error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string }): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error.validation && error.validation.length > 0) {
    const issue = error.validation[0]!;
    const field = fieldOf(issue);
    const context = error.validationContext === 'querystring' ? 'query' : error.validationContext;
    const where = context && context !== 'body' ? `${context}.` : '';
    return errors.validationFailed(describe(issue, field), `${where}${field}`);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.badJson();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge();
  }
  if (error instanceof SyntaxError && error.statusCode === 400) return errors.badJson();
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('BAD_REQUEST', error.statusCode, 'The request could not be handled as sent');
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toAppError(error);
    if (known) {
      request.log.info({ code: known.code, field: known.field }, known.message);
      const body: ErrorBody = { error: { code: known.code, message: known.message } };
      if (known.field) body.error.field = known.field;
      if (known.details) body.error.details = known.details;
      return reply.status(known.statusCode).send(body);
    }
    const errorId = randomUUID();
    request.log.error({ err: error, errorId }, 'unexpected error');
    const body: ErrorBody = { error: { code: 'INTERNAL', message: 'Something went wrong; quote this id when reporting it', errorId } };
    return reply.status(500).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const error = errors.routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`);
    request.log.info({ code: error.code }, error.message);
    return reply.status(404).send({ error: { code: error.code, message: error.message } } satisfies ErrorBody);
  });
}
