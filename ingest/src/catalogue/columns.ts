/**
 * Column kinds: each names its ClickHouse type and the TypeScript type of its value in a row, so
 * one table definition gives both the DDL and the row type.
 */
export const COLUMN_TYPES = {
  string: 'String',
  lowCardinality: 'LowCardinality(String)',
  uuid: 'UUID',
  int8: 'Int8',
  int16: 'Int16',
  int32: 'Int32',
  int64: 'Int64',
  uint16: 'UInt16',
  uint32: 'UInt32',
  float32: 'Float32',
  bool: 'Bool',
  /** Milliseconds since the epoch in TypeScript; DateTime64(3, 'UTC') in ClickHouse. */
  time: "DateTime64(3, 'UTC')",
  stringArray: 'Array(String)',
} as const;

export type ColumnKind = keyof typeof COLUMN_TYPES;

export interface ColumnValue {
  string: string;
  lowCardinality: string;
  uuid: string;
  int8: number;
  int16: number;
  int32: number;
  int64: number;
  uint16: number;
  uint32: number;
  float32: number;
  bool: boolean;
  time: number;
  stringArray: string[];
}

/** Every row starts with these: who, when, what, which version, and when we took it in. */
export const ENVELOPE = {
  event_id: 'uuid',
  org_id: 'lowCardinality',
  at: 'time',
  type: 'lowCardinality',
  version: 'uint16',
  ingested_at: 'time',
} as const satisfies Record<string, ColumnKind>;

export type Envelope = { [K in keyof typeof ENVELOPE]: ColumnValue[(typeof ENVELOPE)[K]] };
