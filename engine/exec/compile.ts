/**
 * Compiling bound expressions into closures over a row layout.
 *
 * A compiled expression is `(row, ctx) => value`, with column ids already mapped
 * to row positions (a column the row does not have is read from `ctx.outer`: a
 * correlated reference). Most expressions are synchronous; one that contains a
 * subquery or an asynchronous function (nextval) compiles to an async closure.
 * Only the lazy forms (AND, OR, CASE, COALESCE) need their own async versions;
 * any other node with async parts evaluates its children first, then runs its
 * synchronous body on their values.
 *
 * NULL handling is SQL's: strict operators and functions return NULL for a NULL
 * argument; AND/OR/NOT use three-valued logic.
 */
import { internalError } from '../../common/errors.js'
import { likeMatcher } from '../functions/index.js'
import { children, some, type BExpr, type ColumnId } from '../plan/bound.js'
import { and3, applyOperator, castValue, operatorFunction, compareValues, negate, not3, or3, sameType, type ResolvedOperator, type SqlType, type SqlValue } from '../values/index.js'
import type { ExecContext, Row } from './context.js'
import { compileSubquery } from './subquery.js'

export type Sync = (row: Row, ctx: ExecContext) => SqlValue
export type Async = (row: Row, ctx: ExecContext) => Promise<SqlValue>
export type Compiled = { readonly async: false; readonly fn: Sync } | { readonly async: true; readonly fn: Async }
export type Layout = ReadonlyMap<ColumnId, number>

export const EMPTY_LAYOUT: Layout = new Map()

export const needsAsync = (e: BExpr): boolean => some(e, (n) => n.kind === 'subquery' || (n.kind === 'call' && n.fn.async))

export function compile(e: BExpr, layout: Layout): Compiled {
  return needsAsync(e) ? { async: true, fn: compileAsync(e, layout) } : { async: false, fn: compileSync(e, layout) }
}

/** Evaluates a compiled expression, awaiting only when it is async. */
export function evaluate(c: Compiled, row: Row, ctx: ExecContext): SqlValue | Promise<SqlValue> {
  return c.fn(row, ctx)
}

export function compileSync(e: BExpr, layout: Layout): Sync {
  switch (e.kind) {
    case 'const': {
      const v = e.value
      return () => v
    }
    case 'param': {
      const i = e.index - 1
      return (_r, ctx) => ctx.params[i] ?? null
    }
    case 'column': {
      const i = layout.get(e.id)
      if (i !== undefined) return (r) => r[i]!
      const id = e.id
      return (_r, ctx) => ctx.outer[id] ?? null
    }
    default:
      return build(e, children(e).map((c) => compileSync(c, layout)))
  }
}

/** Casts `v` from `from` to `to` unless the types already agree (the operand of CASE and IN). */
function castTo(v: SqlValue, from: SqlType, to: SqlType): SqlValue {
  return v === null || sameType(from, to) || from.kind === to.kind ? v : castValue(v, from, to, 'implicit')
}

/** A node's synchronous body, given its children's closures in `children(e)` order. */
function build(e: BExpr, k: Sync[]): Sync {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
      throw internalError('leaf passed to build')
    case 'op': {
      const [l, r] = k as [Sync, Sync]
      const f = operatorFunction(e.op)
      return (row, ctx) => f(l(row, ctx), r(row, ctx))
    }
    case 'negate': {
      const [a] = k as [Sync]
      const t = e.type
      return (row, ctx) => negate(t, a(row, ctx))
    }
    case 'cast': {
      const [a] = k as [Sync]
      const from = e.operand.type
      const to = e.type
      const context = e.explicit ? 'explicit' : 'assignment'
      return (row, ctx) => castValue(a(row, ctx), from, to, context)
    }
    case 'and':
      return (row, ctx) => {
        let r: boolean | null = true
        for (const f of k) {
          r = and3(r, f(row, ctx) as boolean | null)
          if (r === false) return false
        }
        return r
      }
    case 'or':
      return (row, ctx) => {
        let r: boolean | null = false
        for (const f of k) {
          r = or3(r, f(row, ctx) as boolean | null)
          if (r === true) return true
        }
        return r
      }
    case 'not': {
      const [a] = k as [Sync]
      return (row, ctx) => not3(a(row, ctx) as boolean | null)
    }
    case 'is-null': {
      const [a] = k as [Sync]
      return e.not ? (row, ctx) => a(row, ctx) !== null : (row, ctx) => a(row, ctx) === null
    }
    case 'is-bool': {
      const [a] = k as [Sync]
      const want = e.test === 'true' ? true : e.test === 'false' ? false : null
      const not = e.not
      return (row, ctx) => (a(row, ctx) === want) !== not
    }
    case 'is-distinct': {
      const [l, r] = k as [Sync, Sync]
      const op = e.op
      const not = e.not
      return (row, ctx) => {
        const a = l(row, ctx)
        const b = r(row, ctx)
        const distinct = a === null || b === null ? a !== b : applyOperator(op, a, b) !== true
        return distinct !== not
      }
    }
    case 'like': {
      const [operand, pattern, escape] = k as [Sync, Sync, Sync | undefined]
      const ci = e.caseInsensitive
      const not = e.not
      return (row, ctx) => {
        const s = operand(row, ctx)
        const p = pattern(row, ctx)
        const esc = escape === undefined ? '\\' : escape(row, ctx)
        if (s === null || p === null || esc === null) return null
        return likeMatcher(p as string, esc as string, ci)(s as string) !== not
      }
    }
    case 'in-list': {
      const [operand, ...items] = k as [Sync, ...Sync[]]
      const ops = e.ops
      const from = e.operand.type
      const not = e.not
      return (row, ctx) => {
        const a = operand(row, ctx)
        if (a === null) return null
        let sawNull = false
        for (let i = 0; i < items.length; i++) {
          const v = items[i]!(row, ctx)
          if (v === null) {
            sawNull = true
            continue
          }
          if (applyOperator(ops[i]!, castTo(a, from, ops[i]!.leftType), v) === true) return !not
        }
        return sawNull ? null : not
      }
    }
    case 'case': {
      const hasOperand = e.operand !== undefined
      const operand = hasOperand ? k[0]! : undefined
      const rest = hasOperand ? k.slice(1) : k
      const whens: [Sync, Sync][] = []
      for (let i = 0; i < e.whens.length; i++) whens.push([rest[2 * i]!, rest[2 * i + 1]!])
      const otherwise = rest[rest.length - 1]!
      const ops = e.ops
      const from = e.operand?.type
      return (row, ctx) => {
        if (operand !== undefined) {
          const v = operand(row, ctx)
          for (let i = 0; i < whens.length; i++) {
            const w = whens[i]![0](row, ctx)
            if (v !== null && w !== null && applyOperator(ops[i]!, castTo(v, from!, ops[i]!.leftType), w) === true) return whens[i]![1](row, ctx)
          }
          return otherwise(row, ctx)
        }
        for (const [w, t] of whens) if (w(row, ctx) === true) return t(row, ctx)
        return otherwise(row, ctx)
      }
    }
    case 'coalesce':
      return (row, ctx) => {
        for (const f of k) {
          const v = f(row, ctx)
          if (v !== null) return v
        }
        return null
      }
    case 'nullif': {
      const [l, r] = k as [Sync, Sync]
      const op = e.op
      return (row, ctx) => {
        const a = l(row, ctx)
        const b = r(row, ctx)
        if (a === null) return null
        return b !== null && applyOperator(op, a, b) === true ? null : a
      }
    }
    case 'minmax': {
      const sign = e.fn === 'greatest' ? 1 : -1
      const t = e.type
      return (row, ctx) => {
        let best: SqlValue = null
        for (const f of k) {
          const v = f(row, ctx)
          if (v !== null && (best === null || compareValues(t, v, best) * sign > 0)) best = v
        }
        return best
      }
    }
    case 'call': {
      const fn = e.fn
      const types = e.args.map((a) => a.type)
      const strict = fn.strict
      return (row, ctx) => {
        const args: SqlValue[] = new Array(k.length)
        for (let i = 0; i < k.length; i++) {
          const v = k[i]!(row, ctx)
          if (v === null && strict) return null
          args[i] = v
        }
        return fn.impl(args, types, ctx.fn) as SqlValue
      }
    }
    case 'aggregate':
      throw internalError(`aggregate ${e.fn.name} outside an aggregate node`)
    case 'subquery':
      throw internalError('subquery compiled synchronously')
  }
}

/** A closure that reads its children's values from the "row" it is given (the async path's argument array). */
const slot = (i: number): Sync => (vals) => vals[i]!

function compileAsync(e: BExpr, layout: Layout): Async {
  if (!needsAsync(e)) {
    const f = compileSync(e, layout)
    return async (row, ctx) => f(row, ctx)
  }
  switch (e.kind) {
    case 'subquery':
      return compileSubquery(e, layout, (x) => compileAsync(x, layout))
    case 'and':
    case 'or': {
      const args = e.args.map((a) => compileAsync(a, layout))
      const isAnd = e.kind === 'and'
      return async (row, ctx) => {
        let r: boolean | null = isAnd
        for (const f of args) {
          r = isAnd ? and3(r, (await f(row, ctx)) as boolean | null) : or3(r, (await f(row, ctx)) as boolean | null)
          if (r === !isAnd) return r
        }
        return r
      }
    }
    case 'coalesce': {
      const args = e.args.map((a) => compileAsync(a, layout))
      return async (row, ctx) => {
        for (const f of args) {
          const v = await f(row, ctx)
          if (v !== null) return v
        }
        return null
      }
    }
    case 'case': {
      const operand = e.operand === undefined ? undefined : compileAsync(e.operand, layout)
      const whens = e.whens.map((w) => [compileAsync(w.when, layout), compileAsync(w.then, layout)] as const)
      const otherwise = compileAsync(e.else, layout)
      const ops: readonly ResolvedOperator[] = e.ops
      const from = e.operand?.type
      return async (row, ctx) => {
        const v = operand === undefined ? undefined : await operand(row, ctx)
        for (let i = 0; i < whens.length; i++) {
          const w = await whens[i]![0](row, ctx)
          const hit = operand === undefined ? w === true : v !== null && w !== null && applyOperator(ops[i]!, castTo(v!, from!, ops[i]!.leftType), w) === true
          if (hit) return whens[i]![1](row, ctx)
        }
        return otherwise(row, ctx)
      }
    }
    case 'call': {
      if (!e.fn.async) return eager(e, layout)
      const args = e.args.map((a) => compileAsync(a, layout))
      const fn = e.fn
      const types = e.args.map((a) => a.type)
      return async (row, ctx) => {
        const vals: SqlValue[] = []
        for (const f of args) {
          const v = await f(row, ctx)
          if (v === null && fn.strict) return null
          vals.push(v)
        }
        return fn.impl(vals, types, ctx.fn)
      }
    }
    default:
      return eager(e, layout)
  }
}

/** A strict node with async parts: its children's values first, then its synchronous body. */
function eager(e: BExpr, layout: Layout): Async {
  const kids = children(e).map((c) => compileAsync(c, layout))
  const body = build(e, kids.map((_, i) => slot(i)))
  return async (row, ctx) => {
    const vals: SqlValue[] = []
    for (const f of kids) vals.push(await f(row, ctx))
    return body(vals, ctx)
  }
}
