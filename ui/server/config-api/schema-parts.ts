// JSON-schema fragments shared by the configuration resources.
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const id = { type: 'string', pattern: UUID_PATTERN } as const;
export const nullableId = { anyOf: [id, { type: 'null' }] } as const;
export const name = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } as const;
export const description = { type: 'string', maxLength: 1000 } as const;
export const uniqueIds = { type: 'array', items: id, uniqueItems: true, maxItems: 1000 } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id },
} as const;

/** An id the contact center hands out and takes back in paths (contacts, recordings, customers, messages). */
export const opaqueId = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
export const opaqueIdParams = { type: 'object', required: ['id'], properties: { id: opaqueId } } as const;

/** A body schema: an object with exactly these properties, these required. */
export function objectSchema(properties: Record<string, unknown>, required: string[]) {
  return { type: 'object', additionalProperties: false, required, properties } as const;
}
