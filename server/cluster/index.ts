/**
 * The server's data directory: roles, databases and their engines (cluster.ts),
 * stored in global.json (global-file.ts) as records (records.ts).
 */
export { Cluster, parseUserSpec, type ClusterOptions, type ConnectOptions } from './cluster.js'
export type { DatabaseRecord, GlobalState, RoleRecord } from './records.js'
export { GLOBAL_FILE } from './global-file.js'
