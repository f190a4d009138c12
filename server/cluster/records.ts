/**
 * The cluster-wide (shared) catalog's records, as PostgreSQL's pg_authid and
 * pg_database hold them: one list for the whole data directory, not per database.
 */
import { BOOTSTRAP_SUPERUSER, type DatabaseInfo, type RoleInfo } from '../../engine/cluster-admin.js'

/** A role with its stored password (pg_authid.rolpassword): null when it has none, else an md5 hash or a SCRAM verifier. */
export interface RoleRecord extends RoleInfo {
  readonly password: string | null
}

export type DatabaseRecord = DatabaseInfo

/** What `global.json` holds. `nextOid` is never reused, so a dropped database's directory can never be mistaken for a new one's. */
export interface GlobalState {
  readonly version: 1
  readonly nextOid: number
  readonly roles: readonly RoleRecord[]
  readonly databases: readonly DatabaseRecord[]
}

/** PostgreSQL's fixed oid of the `postgres` database (initdb's); the bootstrap superuser's is 10 (BOOTSTRAP_SUPERUSER). */
export const POSTGRES_DATABASE_OID = 5
/** FirstNormalObjectId: the first oid CREATE ROLE / CREATE DATABASE give out. */
export const FIRST_NORMAL_OID = 16384

export function initialState(superuser = 'postgres'): GlobalState {
  return {
    version: 1,
    nextOid: FIRST_NORMAL_OID,
    roles: [{ oid: BOOTSTRAP_SUPERUSER, name: superuser, superuser: true, login: true, createdb: true, createrole: true, password: null }],
    databases: [{ oid: POSTGRES_DATABASE_OID, name: 'postgres', owner: BOOTSTRAP_SUPERUSER }],
  }
}
