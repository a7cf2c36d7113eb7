import path from 'node:path';
import { isIdentifier } from '@cc/ingest';

/** Everything the server reads from its environment, validated once at start. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL when set; otherwise SQLite at `${dataDir}/oltp.sqlite`. */
  databaseUrl: string | undefined;
  /** A ClickHouse server when set; otherwise chdb in-process at `${dataDir}/clickhouse`. */
  clickhouseUrl: string | undefined;
  clickhouseDatabase: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Trust X-Forwarded-* from a reverse proxy (needed to see TLS for the Secure cookie flag). */
  trustProxy: boolean;
  /** Seed the demo organisation when the store is empty. */
  demoSeed: boolean;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** New chats (and callback/feedback requests) the widget accepts per address per 10 minutes. */
  widgetStartsPerAddress: number;
  /** The SMTP relay for outgoing mail (chat transcripts), `smtp(s)://user:pass@host:port`; none: no mail. */
  smtpUrl: string | undefined;
  /** The sender of outgoing mail. */
  mailFrom: string;
  /** Inbound e-mail: the built-in SMTP listener's port (0: any free port), or null when off. */
  inboundSmtpPort: number | null;
  /** The largest inbound message accepted (bytes); larger ones are refused with 552. */
  inboundMailMaxBytes: number;
  /** Where customers reach this server (links in e-mail: surveys); default http://HOST:PORT. */
  publicUrl: string;
  /** The company's CRM, asked before routing (by e-mail, phone or customer id); none: not asked. */
  crmLookupUrl: string | undefined;
  /** Bearer token for the CRM lookup; never logged. */
  crmLookupToken: string | undefined;
  crmLookupTimeoutMs: number;
  crmLookupCacheSeconds: number;
  /** Voice calls through the SFU; off: the rest of the platform runs without them. */
  voice: boolean;
  /** The address media transports listen on (UDP). */
  mediaListenIp: string;
  /** The address browsers send media to, when it differs (behind NAT, or listening on 0.0.0.0). */
  mediaAnnouncedAddress: string | undefined;
  /** SFU worker processes; default: the cores, at most 4. */
  mediaWorkers: number | undefined;
  mediaMinPort: number;
  mediaMaxPort: number;
  /** How long recordings (and their transcripts) are kept, for organisations that set no value of their own. */
  recordingRetentionDays: number;
  /** A whisper.cpp model file for offline transcription; none: "transcription not configured". */
  transcriptionModel: string | undefined;
  /** The model's sha256: a file that does not match is never loaded. */
  transcriptionModelSha256: string | undefined;
  /** Longest a transcription of one recording may run before it is stopped (and retried). */
  transcriptionTimeoutSeconds: number;
  transcriptionThreads: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads and checks the environment; every bad value is named in one ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  };

  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name}=${JSON.stringify(raw)} must be true or false (1/0)`);
    return fallback;
  };

  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')}// URL, got ${parsed.protocol}//…`);
      }
    } catch {
      // Never echo the value: a URL may hold a password.
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const logLevel = (env.LOG_LEVEL ?? 'info') as ServerConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)} must be one of ${LOG_LEVELS.join(', ')}`);

  const clickhouseDatabase = env.CLICKHOUSE_DATABASE || 'contact_center';
  if (!isIdentifier(clickhouseDatabase)) {
    problems.push(`CLICKHOUSE_DATABASE=${JSON.stringify(clickhouseDatabase)} must be letters, digits and underscores`);
  }

  const host = env.HOST || '127.0.0.1';
  const port = integer('PORT', 8080, 0, 65535);
  const config: ServerConfig = {
    host,
    port,
    dataDir: path.resolve(cwd, env.DATA_DIR || './data'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    clickhouseUrl: url('CLICKHOUSE_URL', ['http:', 'https:']),
    clickhouseDatabase,
    logLevel,
    trustProxy: flag('TRUST_PROXY', false),
    demoSeed: flag('DEMO_SEED', false),
    sessionIdleMinutes: integer('SESSION_IDLE_MINUTES', 12 * 60, 5, 7 * 24 * 60),
    sessionMaxHours: integer('SESSION_MAX_HOURS', 7 * 24, 1, 90 * 24),
    widgetStartsPerAddress: integer('WIDGET_STARTS_PER_ADDRESS', 20, 1, 1_000_000),
    smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM || 'Contact center <no-reply@localhost>',
    inboundSmtpPort: env.INBOUND_SMTP_PORT === 'off' ? null : integer('INBOUND_SMTP_PORT', 2525, 0, 65535),
    inboundMailMaxBytes: integer('INBOUND_MAIL_MAX_BYTES', 25 * 1024 * 1024, 1024, 200 * 1024 * 1024),
    publicUrl: (url('PUBLIC_URL', ['http:', 'https:']) ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
    crmLookupUrl: url('CRM_LOOKUP_URL', ['http:', 'https:']),
    crmLookupToken: env.CRM_LOOKUP_TOKEN || undefined,
    crmLookupTimeoutMs: integer('CRM_LOOKUP_TIMEOUT_MS', 800, 50, 10_000),
    crmLookupCacheSeconds: integer('CRM_LOOKUP_CACHE_SECONDS', 300, 0, 86_400),
    voice: flag('VOICE', true),
    mediaListenIp: env.MEDIA_LISTEN_IP || (host === '0.0.0.0' || host === '::' ? '0.0.0.0' : host === 'localhost' ? '127.0.0.1' : host),
    mediaAnnouncedAddress: env.MEDIA_ANNOUNCED_ADDRESS || undefined,
    mediaWorkers: env.MEDIA_WORKERS ? integer('MEDIA_WORKERS', 1, 1, 64) : undefined,
    mediaMinPort: integer('MEDIA_MIN_PORT', 40000, 1024, 65535),
    mediaMaxPort: integer('MEDIA_MAX_PORT', 49999, 1024, 65535),
    recordingRetentionDays: integer('RECORDING_RETENTION_DAYS', 365, 1, 3650),
    transcriptionModel: env.TRANSCRIPTION_MODEL ? path.resolve(cwd, env.TRANSCRIPTION_MODEL) : undefined,
    transcriptionModelSha256: env.TRANSCRIPTION_MODEL_SHA256?.trim().toLowerCase() || undefined,
    transcriptionTimeoutSeconds: integer('TRANSCRIPTION_TIMEOUT_SECONDS', 900, 10, 86_400),
    transcriptionThreads: integer('TRANSCRIPTION_THREADS', 1, 1, 64),
  };
  if (config.voice && config.mediaListenIp === '0.0.0.0' && !config.mediaAnnouncedAddress) {
    problems.push('MEDIA_ANNOUNCED_ADDRESS must be set when media listens on every interface (MEDIA_LISTEN_IP or HOST 0.0.0.0): browsers need an address to send to');
  }
  if (config.mediaMinPort > config.mediaMaxPort) problems.push('MEDIA_MIN_PORT must not be above MEDIA_MAX_PORT');
  if (config.transcriptionModel && !/^[0-9a-f]{64}$/.test(config.transcriptionModelSha256 ?? '')) {
    problems.push('TRANSCRIPTION_MODEL_SHA256 must be the model file’s sha256 (64 hex digits): a model is never loaded unpinned');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
