/**
 * The words the mutator and the generator draw from: names the schema has, names
 * it lacks, keywords, operators, and the extreme literals that find edge cases in
 * value parsing, arithmetic and storage (overflow, NaN, infinities, -0, huge and
 * tiny magnitudes, empty and very long strings, odd but NUL-free Unicode).
 */
import { COLUMNS, BASE_OBJECTS, TABLES } from './schema.js'

export const TABLE_NAMES: readonly string[] = [...TABLES, 'big_orders', 'user_totals', 'scratch', 'scratch2', 'pg_class', 'pg_catalog.pg_attribute', 'information_schema.tables', 'nosuch', 'order_seq']
export const COLUMN_NAMES: readonly string[] = [...new Set(Object.values(COLUMNS).flat()), 'nosuch', 'oid', 'ctid', 'relname', 'uid', 'total', 'n', 'g', 'excluded']

export const FUNCTION_NAMES: readonly string[] = [
  'abs', 'ascii', 'atan2', 'avg', 'bit_length', 'bool_and', 'bool_or', 'btrim', 'cbrt', 'ceil', 'ceiling', 'chr', 'clock_timestamp',
  'coalesce', 'concat', 'concat_ws', 'count', 'current_date', 'current_schema', 'current_setting', 'currval', 'date_part', 'date_trunc',
  'degrees', 'div', 'every', 'exp', 'float4', 'float8', 'floor', 'gcd', 'generate_series', 'greatest', 'initcap', 'int2', 'int4', 'int8',
  'lcm', 'least', 'left', 'length', 'ln', 'localtimestamp', 'log', 'lower', 'lpad', 'ltrim', 'make_date', 'max', 'md5', 'min', 'mod',
  'nextval', 'now', 'nullif', 'numeric', 'octet_length', 'pg_backend_pid', 'pg_typeof', 'pi', 'position', 'power', 'pow',
  'quote_ident', 'quote_literal', 'quote_nullable', 'radians', 'random', 'repeat', 'replace', 'reverse', 'right', 'round', 'rpad',
  'rtrim', 'setval', 'sign', 'split_part', 'sqrt', 'starts_with', 'statement_timestamp', 'string_agg', 'strpos', 'substr', 'substring',
  'sum', 'to_hex', 'transaction_timestamp', 'translate', 'trim', 'trunc', 'upper', 'version', 'width_bucket', 'nosuchfn',
]

export const TYPE_NAMES: readonly string[] = [
  'int', 'int2', 'smallint', 'int4', 'integer', 'int8', 'bigint', 'real', 'float4', 'float8', 'double precision', 'numeric',
  'numeric(5,2)', 'numeric(1000)', 'numeric(3,-1)', 'decimal(10)', 'text', 'varchar', 'varchar(3)', 'varchar(0)', 'char', 'char(2)',
  'bpchar', 'bool', 'boolean', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp with time zone', 'interval', 'bytea', 'json',
  'uuid', 'serial', 'nosuchtype', 'int[]', 'regclass',
]

export const KEYWORDS: readonly string[] = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'ALL', 'INTERSECT', 'EXCEPT', 'DISTINCT',
  'JOIN', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'INNER', 'OUTER', 'ON', 'USING', 'AS', 'AND', 'OR', 'NOT', 'IS', 'NULL', 'TRUE', 'FALSE',
  'IN', 'EXISTS', 'BETWEEN', 'LIKE', 'ILIKE', 'ANY', 'SOME', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'WITH', 'VALUES',
  'INSERT', 'INTO', 'UPDATE', 'SET', 'DELETE', 'RETURNING', 'CONFLICT', 'DO', 'NOTHING', 'DEFAULT', 'CREATE', 'TABLE', 'INDEX', 'VIEW',
  'SEQUENCE', 'DROP', 'ALTER', 'ADD', 'COLUMN', 'RENAME', 'TO', 'PRIMARY', 'KEY', 'UNIQUE', 'CHECK', 'REFERENCES', 'FOREIGN',
  'CONSTRAINT', 'CASCADE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'PREPARE', 'TRANSACTION', 'ISOLATION', 'LEVEL',
  'SERIALIZABLE', 'READ', 'ONLY', 'WRITE', 'SHOW', 'RESET', 'EXPLAIN', 'ANALYZE', 'VACUUM', 'TRUNCATE', 'FOR', 'SHARE', 'NOWAIT',
  'SKIP', 'LOCKED', 'FETCH', 'FIRST', 'ROWS', 'NEXT', 'NULLS', 'LAST', 'ASC', 'DESC', 'COPY', 'ESCAPE', 'SYMMETRIC', 'IF',
]

export const OPERATORS: readonly string[] = [
  '+', '-', '*', '/', '%', '^', '=', '<>', '!=', '<', '<=', '>', '>=', '||', '~', '~*', '!~', '&', '|', '#', '<<', '>>', '|/', '||/',
  '@', '::', ',', '.', '(', ')', ';', '[', ']', ':', '$1', '$2', '$0', '$99999999999',
]

const LONG = 'x'.repeat(10_000)
export const NUMBERS: readonly string[] = [
  '0', '-0', '1', '-1', '2', '10', '255', '32767', '32768', '-32769', '2147483647', '2147483648', '-2147483648', '-2147483649',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551616',
  '1e400', '-1e400', '1e-400', '1e308', '1.7976931348623157e308', '4.9e-324', '2.2250738585072014e-308', '3.4028235e38', '1e39',
  '0.000000000000000000000000000000000001', '123456789012345678901234567890123456789012345678901234567890',
  '99999999999999999999999999999999.99999', '.5', '5.', '00001', '1e0', '0.0', '-0.0', '1e131072', '1e-16384', '9'.repeat(1200),
  `0.${'0'.repeat(500)}1`, '3.14159', '1e10', '-1e-10',
]

export const STRINGS: readonly string[] = [
  "''", "' '", "'NaN'", "'nan'", "'-NaN'", "'Infinity'", "'-Infinity'", "'infinity'", "'inf'", "'-0'", "' 1 '", "'1e400'", "'0x10'",
  "'2024-02-30'", "'2024-02-29'", "'0000-01-01'", "'294277-01-01'", "'4714-11-24 BC'", "'5874898-01-01'", "'epoch'", "'allballs'",
  "'today'", "'now'", "'tomorrow'", "'2024-01-01 24:00:00'", "'2024-01-01 25:00'", "'2024-13-01'", "'1999-01-08 04:05:06+99'",
  "'\\x'", "'\\xZZ'", "'\\x0'", "'\\x00ff'", "'\\\\'", "'true'", "'yes'", "'t'", "'maybe'", "'on'", "'offf'",
  `'${LONG}'`, `'${'é'.repeat(3000)}'`, "'é'", "'😀'", "'a😀b'", "'\u200b'", "'\ufeff'", "'e\u0301'", "'\u05d0\u05d1'", "'\uffff'",
  "E'\\u00e9'", "E'\\x41'", "E'\\uD83D\\uDE00'", "E'\\uD800'", "E'\\U0010FFFF'", "E'\\U00110000'", "E'\\377'", "E'\\\\'", "E'\\''",
  "'a''b'", "'\"'", '$$x$$', '$tag$ $ $tag$', "'%'", "'_'", "'\\'", "'[a-'", "'(('", "'*'", "'a{1000000}'",
  "'12345678901234567890'", "'1.5'", "'-2147483649'", "' -1'", "'+1'", "'1_000'", "'0b101'",
]

export const IDENTIFIERS: readonly string[] = [
  ...BASE_OBJECTS, ...COLUMN_NAMES, ...TABLE_NAMES, ...FUNCTION_NAMES.slice(0, 20), 'x', 't', 'u', 'o', 'a', 'b', '"users"', '"Users"',
  '"a b"', '"😀"', '""""', `"${'q'.repeat(100)}"`, 'q'.repeat(70), 'pg_catalog', 'public', 'information_schema', 'excluded',
  'scratch', 'sp', 's1', 'nosuch',
]
