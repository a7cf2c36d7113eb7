import type { Migration } from 'kysely';
import * as m0001 from './0001_spine.ts';
import * as m0002 from './0002_contacts.ts';
import * as m0003 from './0003_email_callbacks.ts';
import * as m0004 from './0004_api_keys.ts';
import * as m0005 from './0005_feedback.ts';
import * as m0006 from './0006_integrations.ts';
import * as m0007 from './0007_voice.ts';

/**
 * Every OLTP migration, in order, listed statically (no directory scan: works the same under
 * tsx, vitest and a bundle). Forward-only: add a file, never edit one that has shipped.
 */
export const oltpMigrations: Record<string, Migration> = {
  '0001_spine': m0001,
  '0002_contacts': m0002,
  '0003_email_callbacks': m0003,
  '0004_api_keys': m0004,
  '0005_feedback': m0005,
  '0006_integrations': m0006,
  '0007_voice': m0007,
};
