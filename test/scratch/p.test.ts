import { it } from 'vitest'
import { parse } from '../../parser/index.js'
it('p', () => {
for (const q of [
 "SELECT a OPERATOR(pg_catalog.~) 'x'",
 "SELECT a OPERATOR(~) 'x'",
 "SELECT 1 WHERE a OPERATOR(~) 'x'",
 "SELECT 1 WHERE a ~ 'x' COLLATE \"C\"",
]) { try { console.log(JSON.stringify(parse(q)).slice(0, 300)) } catch (e) { console.log(String(e)) } }
})
