/**
 * deparseQuery is what a view stores (engine/ddl/views.ts), so its text must parse
 * back to the same query: otherwise a view is created but can never be read.
 */
import { expect, test } from 'vitest'
import { deparseQuery, type Query } from '../../parser/index.js'
import { one, strip } from './helpers.js'

const ROUND_TRIPS = [
  'SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id WHERE o.amount > 100',
  'SELECT * FROM a LEFT JOIN b USING (x) CROSS JOIN c FULL OUTER JOIN d ON TRUE, e RIGHT JOIN f ON f.y = e.y',
  'SELECT * FROM (SELECT 1 AS x) s JOIN generate_series(1, 3) g(n) ON g.n = s.x',
  'WITH c(a) AS (SELECT 1) SELECT a FROM c UNION ALL (SELECT 2 ORDER BY 1 LIMIT 1) ORDER BY 1',
  "SELECT g, count(*) FILTER (WHERE x > 1), string_agg(s, ',' ORDER BY s DESC) FILTER (WHERE s <> 'a') FROM t GROUP BY g",
  'SELECT * FROM a NATURAL LEFT JOIN b NATURAL JOIN (c NATURAL FULL JOIN d)',
  'SELECT FROM t',
  'SELECT DISTINCT ON (a, b + 1) a, c FROM t ORDER BY a, b + 1, c DESC',
]

test.each(ROUND_TRIPS)('deparse → parse is the same query: %s', (sql) => {
  const q = one(sql) as Query
  expect(strip(one(deparseQuery(q)))).toEqual(strip(q))
})
