/**
 * The write-ahead log: a crash-safe, group-committed byte stream of records
 * (wal.ts) and the storage layer's record encoding (log-record.ts).
 */
export {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_SEGMENT_BYTES,
  MAX_CHUNK_BYTES,
  MAX_RECORD_BYTES,
  Wal,
  type LogEntry,
  type WalOptions,
} from './wal.js'
export {
  LOG_RECORD_KINDS,
  appendDelete,
  appendPut,
  appendRecord,
  decodeRecord,
  encodeRecord,
  type LogRecord,
  type LogRecordKind,
  type RecordSink,
} from './log-record.js'
