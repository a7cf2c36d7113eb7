import { Ajv, type ValidateFunction } from 'ajv';
import { CHANNELS, type Channel } from '@cc/ingest';

/**
 * The socket protocols, version 1. Every message is a JSON object `{ v: 1, type, ref?, … }`;
 * each type has a schema, checked on arrival. A malformed message is answered with
 * `{ v: 1, type: 'error', code, message, ref? }` and changes nothing. `ref` (the sender's own
 * id) is echoed in the `ack` or `error` that answers a command.
 */
export const PROTOCOL_VERSION = 1;

export const id = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' };
const text = { type: 'string', minLength: 1, maxLength: 4000, pattern: '\\S' };
const channel = { type: 'string', enum: CHANNELS };

/** The schema of one message type: its own fields, plus `v`, `type` and `ref`, and nothing else. */
export const message = (type: string, properties: Record<string, unknown> = {}, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: ['v', 'type', ...required],
  properties: { v: { const: PROTOCOL_VERSION }, type: { const: type }, ref: { type: 'string', maxLength: 64 }, ...properties },
});

export const NOT_READY_REASONS = ['break', 'lunch', 'meeting', 'training', 'after-call-work', 'other'] as const;

/** What an agent's console may send. */
const agentMessages = {
  hello: message('hello'),
  'set-status': {
    ...message('set-status', { status: { enum: ['available', 'not-ready', 'offline'] }, reason: { enum: [...NOT_READY_REASONS, 'no-answer'] } }, ['status']),
    if: { properties: { status: { const: 'not-ready' } } },
    then: { required: ['reason'] },
  },
  'set-channel': message('set-channel', { channel, enabled: { type: 'boolean' } }, ['channel', 'enabled']),
  accept: message('accept', { contactId: id }, ['contactId']),
  reject: message('reject', { contactId: id }, ['contactId']),
  send: message(
    'send',
    { contactId: id, text: { ...text, maxLength: 100_000 }, attachments: { type: 'array', maxItems: 10, uniqueItems: true, items: id }, cc: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' } } },
    ['contactId', 'text'],
  ),
  typing: message('typing', { contactId: id }, ['contactId']),
  end: message('end', { contactId: id }, ['contactId']),
  'wrap-up': message('wrap-up', { contactId: id, classificationId: { anyOf: [id, { type: 'null' }] } }, ['contactId', 'classificationId']),
  transfer: message('transfer', { contactId: id, queueId: id, agentId: id }, ['contactId', 'queueId']),
  ring: message('ring', { contactId: id }, ['contactId']),
  'callback-outcome': message('callback-outcome', { contactId: id, outcome: { enum: ['reached', 'no-answer', 'wrong-number'] } }, ['contactId', 'outcome']),
  /** A call on hold: the customer hears the hold chime and the two stop hearing each other. */
  hold: message('hold', { contactId: id }, ['contactId']),
  resume: message('resume', { contactId: id }, ['contactId']),
} as const;

/** What the customer widget may send. */
const customerMessages = {
  start: message(
    'start',
    {
      queueId: id,
      name: { type: 'string', maxLength: 100 },
      email: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' },
      language: { enum: ['fi', 'sv', 'en'] },
      token: { type: 'string', maxLength: 4096 },
      text,
      /** A chat (the default) or a call through the browser (voice). */
      channel: { enum: ['chat', 'voice'] },
    },
    ['queueId'],
  ),
  resume: message('resume', { resumeToken: { type: 'string', minLength: 20, maxLength: 100 } }, ['resumeToken']),
  send: message('send', { text }, ['text']),
  typing: message('typing'),
  leave: message('leave'),
  rate: message('rate', { score: { type: 'integer', minimum: 0, maximum: 10 }, kind: { enum: ['csat', 'nps'] } }, ['score']),
  request: message(
    'request',
    {
      queueId: id,
      kind: { enum: ['callback', 'feedback'] },
      name: { type: 'string', maxLength: 100 },
      phone: { type: 'string', maxLength: 40, pattern: '^[+0-9 ()-]{5,40}$' },
      email: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' },
      text: { type: 'string', maxLength: 4000 },
      preferredTime: { type: 'string', maxLength: 100 },
      topic: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' },
      token: { type: 'string', maxLength: 4096 },
    },
    ['queueId', 'kind'],
  ),
  transcript: message('transcript', { email: { type: 'string', maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' } }, ['email']),
} as const;

/** What a supervisor's realtime view may send. */
const supervisorMessages = {
  hello: message('hello'),
  'set-agent-status': {
    ...message('set-agent-status', { agentId: id, status: { enum: ['available', 'not-ready', 'offline'] }, reason: { enum: [...NOT_READY_REASONS] } }, ['agentId', 'status']),
    if: { properties: { status: { const: 'not-ready' } } },
    then: { required: ['reason'] },
  },
  'move-agent': message('move-agent', { agentId: id, queueId: id, action: { enum: ['add', 'remove'] } }, ['agentId', 'queueId', 'action']),
  'set-priority': message('set-priority', { contactId: id, priority: { type: 'integer', minimum: -100, maximum: 100 } }, ['contactId', 'priority']),
} as const;

type Schemas = Record<string, object>;

export interface ProtocolError {
  code: 'BAD_JSON' | 'BAD_MESSAGE' | 'UNKNOWN_TYPE' | 'UNSUPPORTED_VERSION';
  message: string;
  ref?: string;
}

type Ref = { ref?: string };
export type AgentCommand = Ref &
  (
    | { type: 'hello' }
    | { type: 'set-status'; status: 'available' | 'offline' }
    | { type: 'set-status'; status: 'not-ready'; reason: string }
    | { type: 'set-channel'; channel: Channel; enabled: boolean }
    | { type: 'accept' | 'reject' | 'typing' | 'end' | 'hold' | 'resume'; contactId: string }
    | { type: 'send'; contactId: string; text: string; cc?: string[]; attachments?: string[] }
    | { type: 'wrap-up'; contactId: string; classificationId: string | null }
    | { type: 'transfer'; contactId: string; queueId: string; agentId?: string }
    | { type: 'ring'; contactId: string }
    | { type: 'callback-outcome'; contactId: string; outcome: 'reached' | 'no-answer' | 'wrong-number' }
  );
export type CustomerCommand = Ref &
  (
    | { type: 'start'; queueId: string; name?: string; email?: string; language?: 'fi' | 'sv' | 'en'; token?: string; text?: string; channel?: 'chat' | 'voice' }
    | { type: 'resume'; resumeToken: string }
    | { type: 'send'; text: string }
    | { type: 'typing' | 'leave' }
    | { type: 'rate'; score: number; kind?: 'csat' | 'nps' }
    | { type: 'transcript'; email: string }
    | { type: 'request'; queueId: string; kind: 'callback' | 'feedback'; name?: string; phone?: string; email?: string; text?: string; preferredTime?: string; topic?: string; token?: string }
  );
export type SupervisorCommand = Ref &
  (
    | { type: 'hello' }
    | { type: 'set-agent-status'; agentId: string; status: 'available' | 'offline' }
    | { type: 'set-agent-status'; agentId: string; status: 'not-ready'; reason: string }
    | { type: 'move-agent'; agentId: string; queueId: string; action: 'add' | 'remove' }
    | { type: 'set-priority'; contactId: string; priority: number }
  );

/** A parser for one socket protocol (these schemas by type): every socket validates its frames the same way. */
export function compile<T extends { type: string }>(schemas: Schemas) {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const validators = new Map<string, ValidateFunction>(Object.entries(schemas).map(([type, schema]) => [type, ajv.compile(schema)]));
  /** Parses and validates one frame; the message's `type` is one of the protocol's. */
  return (raw: string): { ok: true; message: T } | { ok: false; error: ProtocolError } => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { ok: false, error: { code: 'BAD_JSON', message: 'The message is not JSON' } };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: { code: 'BAD_MESSAGE', message: 'A message is a JSON object' } };
    const m = parsed as Record<string, unknown>;
    const ref = typeof m.ref === 'string' ? m.ref.slice(0, 64) : undefined;
    if (m.v !== PROTOCOL_VERSION) return { ok: false, error: { code: 'UNSUPPORTED_VERSION', message: `This server speaks protocol version ${PROTOCOL_VERSION}`, ref } };
    const validate = typeof m.type === 'string' ? validators.get(m.type) : undefined;
    if (!validate) return { ok: false, error: { code: 'UNKNOWN_TYPE', message: `Unknown message type ${JSON.stringify(m.type)}`, ref } };
    if (!(validate(m) as boolean)) {
      const first = validate.errors?.[0];
      const where = first?.instancePath ? first.instancePath.slice(1) : (first?.params as { missingProperty?: string; additionalProperty?: string } | undefined)?.missingProperty ?? (first?.params as { additionalProperty?: string })?.additionalProperty ?? '';
      return { ok: false, error: { code: 'BAD_MESSAGE', message: `${String(m.type)}: ${where ? `${where} ` : ''}${first?.message ?? 'is not valid'}`, ref } };
    }
    return { ok: true, message: m as unknown as T };
  };
}

export const parseAgentMessage = compile<AgentCommand>(agentMessages);
export const parseCustomerMessage = compile<CustomerCommand>(customerMessages);
export const parseSupervisorMessage = compile<SupervisorCommand>(supervisorMessages);
