/** A plain ClickHouse identifier (database or table): the only names we ever put into SQL text. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const isIdentifier = (name: string): boolean => IDENTIFIER.test(name);
