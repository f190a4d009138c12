/**
 * The abstract syntax tree: what `parse()` returns, as readonly discriminated
 * unions on `kind`.
 *
 * Names are already folded (unquoted → lower case). `position` is the 1-based
 * character position of the node's first token in the statement text, the number
 * PostgreSQL puts in an error's position field, so later stages (binder, planner)
 * can point at the offending column or function.
 */

// ── Types ────────────────────────────────────────────────────────────────────

/** Canonical type names (PostgreSQL's internal names for the built-in types). */
export const TYPE_NAMES = [
  'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'varchar', 'bpchar', 'bool', 'date', 'time',
  'timestamp', 'timestamptz', 'interval', 'bytea', 'serial', 'bigserial', 'smallserial', 'json', 'jsonb', 'uuid',
] as const
/** `position` is where the type name starts (absent for names the parser made up, such as a typed literal's). */
export type TypeName = { readonly kind: 'type'; readonly name: string; readonly args: readonly number[]; readonly position?: number; /** `name[]`: a one-dimensional array of the type. */ readonly array?: boolean }

// ── Expressions ──────────────────────────────────────────────────────────────

export const BINARY_OPS = ['+', '-', '*', '/', '%', '^', '=', '<>', '<', '<=', '>', '>='] as const

export type Expr =
  | { readonly kind: 'column'; readonly table: string | undefined; readonly name: string; readonly position: number }
  | { readonly kind: 'number'; readonly text: string; readonly position: number }
  | { readonly kind: 'string'; readonly value: string; readonly position: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly position: number }
  | { readonly kind: 'null'; readonly position: number }
  | { readonly kind: 'typed-literal'; readonly type: TypeName; readonly value: string; readonly position: number }
  | { readonly kind: 'param'; readonly index: number; readonly position: number }
  | { readonly kind: 'default'; readonly position: number }
  /** `op` is one of BINARY_OPS or any other operator text (`||`, `~`, …). */
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly position: number }
  /** `+`, `-`, or a prefix operator such as `~` or `|/`. */
  | { readonly kind: 'unary'; readonly op: string; readonly operand: Expr; readonly position: number }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly position: number }
  | { readonly kind: 'not'; readonly operand: Expr; readonly position: number }
  | { readonly kind: 'is'; readonly not: boolean; readonly operand: Expr; readonly test: 'null' | 'true' | 'false' | 'unknown'; readonly position: number }
  | { readonly kind: 'is-distinct'; readonly not: boolean; readonly left: Expr; readonly right: Expr; readonly position: number }
  | { readonly kind: 'between'; readonly not: boolean; readonly symmetric: boolean; readonly operand: Expr; readonly low: Expr; readonly high: Expr; readonly position: number }
  | { readonly kind: 'like'; readonly not: boolean; readonly caseInsensitive: boolean; readonly operand: Expr; readonly pattern: Expr; readonly escape: Expr | undefined; readonly position: number }
  | { readonly kind: 'in-list'; readonly not: boolean; readonly operand: Expr; readonly list: readonly Expr[]; readonly position: number }
  | { readonly kind: 'in-query'; readonly not: boolean; readonly operand: Expr; readonly query: Query; readonly position: number }
  | { readonly kind: 'quantified'; readonly op: string; readonly quantifier: 'any' | 'all'; readonly left: Expr; readonly query: Query; readonly position: number }
  | { readonly kind: 'exists'; readonly query: Query; readonly position: number }
  | { readonly kind: 'subquery'; readonly query: Query; readonly position: number }
  /** `schema` is set for a qualified name (`pg_catalog.count(…)`). */
  /** `orderBy`: an aggregate's own ORDER BY, string_agg(x, ',' ORDER BY x). */
  | { readonly kind: 'function'; readonly schema: string | undefined; readonly name: string; readonly args: readonly Expr[]; readonly distinct: boolean; readonly star: boolean; readonly orderBy?: readonly OrderItem[]; /** agg(…) FILTER (WHERE filter) */ readonly filter?: Expr; readonly position: number }
  | { readonly kind: 'case'; readonly operand: Expr | undefined; readonly whens: readonly { readonly when: Expr; readonly then: Expr }[]; readonly else: Expr | undefined; readonly position: number }
  | { readonly kind: 'cast'; readonly operand: Expr; readonly type: TypeName; readonly position: number }
  /** `x COLLATE name` (`collation` folded, schema-qualified names as 'schema.name'). */
  | { readonly kind: 'collate'; readonly operand: Expr; readonly collation: string; readonly position: number }
  /** `ARRAY[a, b]`. */
  | { readonly kind: 'array'; readonly elements: readonly Expr[]; readonly position: number }
  /** `ARRAY(SELECT …)`: the subquery's one column as an array. */
  | { readonly kind: 'array-query'; readonly query: Query; readonly position: number }
  /** `a[i]`. */
  | { readonly kind: 'subscript'; readonly operand: Expr; readonly index: Expr; readonly position: number }
  /** `x op ANY (array)` / `x op ALL (array)`: the array form of a quantified comparison. */
  | { readonly kind: 'quantified-array'; readonly op: string; readonly quantifier: 'any' | 'all'; readonly left: Expr; readonly right: Expr; readonly position: number }

export type ExprKind = Expr['kind']

// ── Queries ──────────────────────────────────────────────────────────────────

export type SelectItem =
  | { readonly kind: 'expr'; readonly expr: Expr; readonly alias: string | undefined }
  /** `*` (table undefined) or `t.*`. */
  | { readonly kind: 'star'; readonly table: string | undefined; readonly position: number }

export const JOIN_TYPES = ['inner', 'left', 'right', 'full', 'cross'] as const
export type JoinType = (typeof JOIN_TYPES)[number]

export type Alias = { readonly name: string; readonly columns: readonly string[] }

export type FromItem =
  | { readonly kind: 'table'; readonly schema: string | undefined; readonly name: string; readonly alias: Alias | undefined; readonly position: number }
  /** `lateral`: LATERAL (SELECT …), which may read the columns of the FROM items before it. */
  | { readonly kind: 'subquery'; readonly query: Query; readonly alias: Alias | undefined; readonly lateral?: boolean; readonly position: number }
  /** `ordinality`: WITH ORDINALITY adds a bigint column numbering the rows from 1. */
  | { readonly kind: 'function'; readonly call: Expr; readonly alias: Alias | undefined; readonly ordinality?: boolean; readonly position: number }
  | { readonly kind: 'join'; readonly type: JoinType; readonly left: FromItem; readonly right: FromItem; readonly on: Expr | undefined; readonly using: readonly string[] | undefined; /** NATURAL: USING every column name both sides have. */ readonly natural: boolean; readonly position: number }

export type OrderItem = { readonly expr: Expr; readonly direction: 'asc' | 'desc' | undefined; readonly nulls: 'first' | 'last' | undefined }

export type SelectCore = {
  readonly kind: 'select'
  readonly distinct: boolean
  /** DISTINCT ON (…): the first row of each group of equal values, in ORDER BY's order. */
  readonly distinctOn?: readonly Expr[]
  readonly columns: readonly SelectItem[]
  readonly from: readonly FromItem[]
  readonly where: Expr | undefined
  readonly groupBy: readonly Expr[]
  readonly having: Expr | undefined
  readonly position: number
}

export type QueryBody =
  | SelectCore
  | { readonly kind: 'values'; readonly rows: readonly (readonly Expr[])[]; readonly position: number }
  | { readonly kind: 'set-op'; readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; readonly left: QueryBody; readonly right: QueryBody }
  /** A parenthesised query with its own ORDER BY / LIMIT. */
  | { readonly kind: 'nested'; readonly query: Query }

/** `recursive`: written under WITH RECURSIVE, so the query may read its own name (its rows so far). */
export type Cte = { readonly name: string; readonly columns: readonly string[]; readonly query: Query; readonly recursive: boolean; readonly position: number }

export type Locking = { readonly strength: 'update' | 'share'; readonly wait: 'wait' | 'nowait' | 'skip-locked' }

export type Query = {
  readonly kind: 'query'
  readonly with: readonly Cte[]
  readonly body: QueryBody
  readonly orderBy: readonly OrderItem[]
  readonly limit: Expr | undefined
  readonly offset: Expr | undefined
  readonly locking: Locking | undefined
  readonly position: number
}
