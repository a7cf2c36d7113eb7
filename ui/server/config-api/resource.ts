import type { Kysely, Transaction } from 'kysely';
import type { Access } from '../access.ts';
import type { AuthContext } from '../auth/session-store.ts';
import type { PasswordCost } from '../auth/passwords.ts';
import type { Database } from '../stores/oltp/schema.ts';

export interface WriteContext {
  orgId: string;
  now: number;
  auth: AuthContext;
  passwordCost: PasswordCost;
}

/**
 * One kind of configuration item (queue, skill, …) behind the generic routes in crud.ts:
 * GET list, GET one, POST, PUT (replace), DELETE, each validated, transactional and audited.
 */
export interface ConfigResource<Input, Output extends { id: string }> {
  /** URL segment under /api/config, e.g. `queues`. */
  path: string;
  /** Singular name for audit entries, e.g. `queue`. */
  entity: string;
  /** JSON schema of the body for POST and PUT. */
  body: object;
  read?: Access;
  write?: Access;
  list(db: Kysely<Database>, orgId: string): Promise<Output[]>;
  get(db: Kysely<Database> | Transaction<Database>, orgId: string, id: string): Promise<Output | undefined>;
  /** Slow, pure work done before the transaction opens (hashing a password). */
  prepare?(ctx: WriteContext, input: Input, before?: Output): Promise<Input>;
  /** References and rules the schema cannot express; throws a coded 4xx. `before` is set on PUT. */
  check?(trx: Transaction<Database>, ctx: WriteContext, input: Input, before?: Output): Promise<void>;
  insert(trx: Transaction<Database>, ctx: WriteContext, id: string, input: Input): Promise<void>;
  update(trx: Transaction<Database>, ctx: WriteContext, id: string, input: Input, before: Output): Promise<void>;
  /** Deletes (or retires) the item; throws IN_USE while others depend on it. */
  remove(trx: Transaction<Database>, ctx: WriteContext, id: string, before: Output): Promise<void>;
  /** What the audit entry records about a change, beyond the action and target. */
  auditDetails?(input: Input | undefined, before: Output | undefined): Record<string, unknown>;
  /** The field a unique-key clash is reported on (default `name`). */
  uniqueField?: string;
  /** Action name for DELETE (default `<entity>.deleted`). */
  removeAction?: string;
}
