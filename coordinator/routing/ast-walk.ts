/**
 * Generic walks over parser ASTs, which are plain data (objects, arrays, strings,
 * numbers): the router asks questions of whole statements ("does any part read a
 * distributed table?") without a visitor per node kind, so a new kind of node is
 * walked without changes here.
 */
import type { Expr, FromItem } from '../../parser/index.js'

type Node = Readonly<Record<string, unknown>>

/** Every object node under `node`, depth first; `enter` false skips a node's children. */
function* nodes(node: unknown, enter: (n: Node) => boolean): Generator<Node> {
  if (node === null || typeof node !== 'object') return
  if (Array.isArray(node)) {
    for (const x of node) yield* nodes(x, enter)
    return
  }
  const o = node as Node
  yield o
  if (!enter(o)) return
  for (const v of Object.values(o)) yield* nodes(v, enter)
}

const always = (): boolean => true
/** Stop at subqueries: what a query's own level holds. */
export const ownLevel = (n: Node): boolean => n['kind'] !== 'query'

export function someNode(node: unknown, test: (n: Node) => boolean, enter: (n: Node) => boolean = always): boolean {
  for (const n of nodes(node, enter)) if (test(n)) return true
  return false
}

/** The tables a node names (FROM items of kind 'table', at any depth). */
export function tableItems(node: unknown): (FromItem & { kind: 'table' })[] {
  return [...nodes(node, always)].filter((n) => n['kind'] === 'table' && typeof n['name'] === 'string' && 'alias' in n) as unknown as (FromItem & { kind: 'table' })[]
}

/** The column references a node holds (at any depth). */
export function columnRefs(node: unknown): (Expr & { kind: 'column' })[] {
  return [...nodes(node, (n) => n['kind'] !== 'column')].filter((n) => n['kind'] === 'column') as unknown as (Expr & { kind: 'column' })[]
}

/** A deep copy of a node with each `$n` renamed by `rename`. */
export function renumberParams<T>(node: T, rename: (n: number) => number): T {
  if (node === null || typeof node !== 'object') return node
  if (Array.isArray(node)) return node.map((x) => renumberParams(x, rename)) as T
  const o = node as Node
  if (o['kind'] === 'param' && typeof o['index'] === 'number') return { ...o, index: rename(o['index']) } as T
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, renumberParams(v, rename)])) as T
}
