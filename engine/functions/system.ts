/**
 * Session and system information functions (PostgreSQL 15, §9.26) and sequence
 * functions (§9.17): version, current_user, current_database, current_setting,
 * pg_typeof, nextval, currval, setval.
 */
import { dbError } from '../../common/errors.js'
import { T, baseTypeName, type SqlType } from '../values/index.js'
import { scalar } from './define.js'
import type { ScalarFunction } from './types.js'

export const SERVER_VERSION = '15.0'
export const VERSION_STRING = `PostgreSQL ${SERVER_VERSION} (Isola 0.1.0) on ${process.arch}-${process.platform}, compiled by TypeScript, 64-bit`

/** pg_typeof's text: format_type without modifiers, as regtype prints it. */
export const pgTypeof = (t: SqlType): string => (t.kind === 'unknown' ? 'unknown' : baseTypeName(t))

export const SYSTEM_FUNCTIONS: readonly ScalarFunction[] = [
  scalar('version', [], T.text, () => VERSION_STRING, { volatility: 'stable' }),
  ...['current_user', 'session_user', 'user', 'current_role'].map((n) => scalar(n, [], T.text, (_a, _t, ctx) => ctx.session.user, { volatility: 'stable' })),
  ...['current_database', 'current_catalog'].map((n) => scalar(n, [], T.text, (_a, _t, ctx) => ctx.session.database, { volatility: 'stable' })),
  scalar('current_schema', [], T.text, () => 'public', { volatility: 'stable' }),
  scalar('pg_backend_pid', [], T.int4, (_a, _t, ctx) => ctx.session.pid, { volatility: 'stable' }),
  scalar('current_setting', ['text'], T.text, (a, _t, ctx) => {
    const v = ctx.setting(a[0] as string)
    if (v === undefined) throw dbError('undefined_object', `unrecognized configuration parameter "${a[0] as string}"`)
    return v
  }, { volatility: 'stable' }),
  scalar('current_setting', ['text', 'bool'], T.text, (a, _t, ctx) => {
    const v = ctx.setting(a[0] as string)
    if (v === undefined && a[1] !== true) throw dbError('undefined_object', `unrecognized configuration parameter "${a[0] as string}"`)
    return v ?? null
  }, { volatility: 'stable' }),
  /**
   * A coordinator's deadlock verdict (ARCHITECTURE.md §9.10): fails lock wait
   * `wait_id` of isola_lock_waits with 40P01 and the given DETAIL (the cycle). True
   * when it was still waiting; false when that wait is over (its id is never reused).
   */
  scalar('isola_reject_lock_wait', ['int8', 'text'], T.bool, (a, _t, ctx) => ctx.locks.reject(Number(a[0] as bigint), a[1] as string), { volatility: 'volatile' }),
  scalar('pg_typeof', ['any'], T.text, (_a, t) => pgTypeof(t[0]!), { strict: false, volatility: 'stable' }),
  scalar('nextval', ['text'], T.int8, (a, _t, ctx) => ctx.sequences.nextval(a[0] as string), { volatility: 'volatile', async: true }),
  scalar('currval', ['text'], T.int8, (a, _t, ctx) => ctx.sequences.currval(a[0] as string), { volatility: 'volatile' }),
  scalar('setval', ['text', 'int8'], T.int8, (a, _t, ctx) => ctx.sequences.setval(a[0] as string, a[1] as bigint, true), { volatility: 'volatile', async: true }),
  scalar('setval', ['text', 'int8', 'bool'], T.int8, (a, _t, ctx) => ctx.sequences.setval(a[0] as string, a[1] as bigint, a[2] as boolean), { volatility: 'volatile', async: true }),
]
