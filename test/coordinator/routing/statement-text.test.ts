import { describe, expect, test } from 'vitest'
import { parse } from '../../../parser/index.js'
import { statementTexts } from '../../../coordinator/routing/statement-text.js'

describe('statementTexts', () => {
  test('splits at semicolons outside strings, names, dollar quotes and comments', () => {
    const sql = "SELECT 'a;b' ; ;INSERT INTO \"x;y\" VALUES ($$;$$) -- ;\n; /* ; */ UPDATE t SET v = 1;"
    expect(statementTexts(sql)).toEqual(["SELECT 'a;b'", 'INSERT INTO "x;y" VALUES ($$;$$) -- ;', '/* ; */ UPDATE t SET v = 1'])
    expect(statementTexts(sql).map((s) => parse(s)[0]!.kind)).toEqual(parse(sql).map((s) => s.kind))
  })

  test('empty and comment-only text has no statements', () => {
    expect(statementTexts('')).toEqual([])
    expect(statementTexts(' ; -- nothing\n')).toEqual([])
  })
})
