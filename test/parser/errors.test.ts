import { describe, expect, test } from 'vitest'
import { IsolaError } from '../../common/errors.js'
import { parse, tokenize } from '../../parser/index.js'

/** [sql, message, position]: each checked by hand against PostgreSQL 15 (psql / node-postgres). */
const ERRORS: readonly (readonly [string, string, number])[] = [
  ['SELECT 1 +', 'syntax error at end of input', 11],
  ['SELECT 1 +   ', 'syntax error at end of input', 14],
  ['SELECT 1 + -- c', 'syntax error at end of input', 16],
  ["SELECT 'é' +", 'syntax error at end of input', 13],
  ['SELECT 1 FROM', 'syntax error at end of input', 14],
  ['SELECT (1', 'syntax error at end of input', 10],
  ['SELEC 1', 'syntax error at or near "SELEC"', 1],
  ['SELECT 1 < 2 < 3', 'syntax error at or near "<"', 14],
  ['SELECT 1 = = 2', 'syntax error at or near "="', 12],
  ['SELECT 1 a precision', 'syntax error at or near "precision"', 12],
  ["SELECT 'abc", 'unterminated quoted string at or near "\'abc"', 8],
  ["SELECT e'abc", 'unterminated quoted string at or near "e\'abc"', 8],
  ['SELECT "abc', 'unterminated quoted identifier at or near ""abc"', 8],
  ['SELECT $$abc', 'unterminated dollar-quoted string at or near "$$abc"', 8],
  ['SELECT /* x', 'unterminated /* comment at or near "/* x"', 8],
  ['SELECT 1abc', 'trailing junk after numeric literal at or near "1abc"', 8],
  ['SELECT ""', 'zero-length delimited identifier at or near """"', 8],
  ['SELECT $1abc', 'trailing junk after parameter at or near "$1abc"', 8],
  ['CREATE TABLE t (a int,)', 'syntax error at or near ")"', 23],
  ['UPDATE t SET', 'syntax error at end of input', 13],
  ['SELECT 1 2', 'syntax error at or near "2"', 10],
  ['SELECT 1; SELEC 2', 'syntax error at or near "SELEC"', 11],
  ["SELEC 'abc", 'syntax error at or near "SELEC"', 1],
  ['SELECT 1 FROM t WHERE', 'syntax error at end of input', 22],
  ['INSERT INTO t VALUES (1', 'syntax error at end of input', 24],
  ['SELECT CASE WHEN 1 THEN 2', 'syntax error at end of input', 26],
  ['SELECT 1 +/* x */', 'syntax error at end of input', 18],
  ['SELECT 1 NOT NULL', 'syntax error at or near "NULL"', 14],
  ['SELECT 1 NOT 2', 'syntax error at or near "2"', 14],
  ['CREATE TABLE t (b int DEFAULT 1 NOT 2)', 'syntax error at or near "2"', 37],
  ["SELECT E'\\uD800'", 'invalid Unicode surrogate pair at or near "\'"', 16],
  ["SELECT E'\\uD800\\u0041'", 'invalid Unicode surrogate pair at or near "\\u0041"', 16],
  ["SELECT E'ab\\uDC00'", 'invalid Unicode surrogate pair at or near "\\uDC00"', 12],
  ["SELECT E'\\U00110000'", 'invalid Unicode escape value at or near "\\U00110000"', 10],
  ["SELECT E'\\u0000'", 'invalid Unicode escape value at or near "\\u0000"', 10],
]

describe('syntax errors carry PostgreSQL\'s message and position', () => {
  for (const [sql, message, position] of ERRORS) {
    test(sql, () => {
      let caught: unknown
      try { parse(sql) } catch (e) { caught = e }
      expect(caught).toBeInstanceOf(IsolaError)
      const e = caught as IsolaError
      expect({ code: e.code, message: e.message, position: e.position }).toEqual({ code: '42601', message, position })
    })
  }
})

describe('lexer', () => {
  const kinds = (sql: string): string[] => tokenize(sql).map((t) => `${t.tokenType.name}:${t.image}`)

  test('operators: longest match, but not ending in + or - unless special', () => {
    expect(kinds('a<=b<>c!=d>=e||f')).toEqual([
      'Identifier:a', 'CompareOp:<=', 'Identifier:b', 'CompareOp:<>', 'Identifier:c', 'CompareOp:!=', 'Identifier:d',
      'CompareOp:>=', 'Identifier:e', 'OtherOp:||', 'Identifier:f',
    ])
    expect(kinds('1*-2')).toEqual(['IntegerLit:1', 'Star:*', 'Minus:-', 'IntegerLit:2'])
    expect(kinds('a::int')).toEqual(['Identifier:a', 'DoubleColon:::', 'Identifier:int'])
    expect(kinds('1--c\n+2')).toEqual(['IntegerLit:1', 'Plus:+', 'IntegerLit:2'])
    expect(kinds('1/*a/*b*/c*/2')).toEqual(['IntegerLit:1', 'IntegerLit:2'])
  })

  test('numbers', () => {
    expect(kinds('1 1.5 .5 1. 1e3 1.5E-3')).toEqual(['IntegerLit:1', 'NumericLit:1.5', 'NumericLit:.5', 'NumericLit:1.', 'NumericLit:1e3', 'NumericLit:1.5E-3'])
  })

  test('string payloads', () => {
    expect(tokenize("'a''b' E'\\t\\'' $q$a$$b$q$").map((t) => t.payload)).toEqual(["a'b", "\t'", 'a$$b'])
    expect(tokenize("E'\\303\\251' E'\\xc3\\xa9\\x41' E'\\u00e9\\U0001F600\\uD83D\\uDE00'").map((t) => t.payload)).toEqual(['é', 'éA', 'é😀😀'])
    expect(tokenize('"A""b" Foo $3').map((t) => t.payload)).toEqual(['A"b', 'foo', 3])
  })
})

/** Byte escapes build UTF-8, which must decode: PostgreSQL's 22021 with the bad bytes (found by the engine fuzzer). */
test.each([
  ["SELECT E'\\000'", '0x00'],
  ["SELECT E'a\\x00b'", '0x00'],
  ["SELECT E'\\377'", '0xff'],
  ["SELECT E'\\xc3('", '0xc3 0x28'],
  ["SELECT E'\\xe2\\x82'", '0xe2 0x82'],
  ["SELECT E'\\xed\\xa0\\x80'", '0xed 0xa0 0x80'],
  ["SELECT E'\\xc0\\x80'", '0xc0 0x80'],
  ["SELECT E'\\x80'", '0x80'],
])('%s is 22021 (%s)', (sql, bytes) => {
  expect(() => parse(sql)).toThrow(expect.objectContaining({ code: '22021', message: `invalid byte sequence for encoding "UTF8": ${bytes}` }))
})

/** Shortcut: chevrotain's frames are deep, so nesting ends near 150 levels (PostgreSQL allows thousands). */
test('deep nesting is a database error, not a crash', () => {
  const deep = `SELECT ${'('.repeat(100_000)}1${')'.repeat(100_000)}`
  let error: unknown
  try {
    parse(deep)
  } catch (e) {
    error = e
  }
  expect(error).toMatchObject({ code: '54001', message: 'stack depth limit exceeded' })
  expect(parse(`SELECT ${'('.repeat(100)}1${')'.repeat(100)}`)).toHaveLength(1)
})

test('the first error in text order wins, lexical or syntactic', () => {
  expect(() => parse("SELEC 'abc")).toThrow('syntax error at or near "SELEC"')
  expect(() => parse("SELECT 1 'abc")).toThrow('unterminated quoted string at or near "\'abc"')
  expect(() => parse("SELECT 'abc")).toThrow('unterminated quoted string at or near "\'abc"')
  expect(() => parse('SELECT 1 + "x')).toThrow('unterminated quoted identifier at or near ""x"')
})
