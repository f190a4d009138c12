import { describe, expect, test } from 'vitest'
import { parse, type Statement } from '../../parser/index.js'
import { one, strip } from './helpers.js'

const st = (sql: string): Statement => strip(one(sql))

function syntaxError(sql: string): { code: string; message: string; position: number | undefined } {
  try {
    parse(sql)
  } catch (e) {
    const x = e as { code: string; message: string; position: number | undefined }
    return { code: x.code, message: x.message, position: x.position }
  }
  throw new Error(`no error for ${sql}`)
}

describe('CREATE / DROP DATABASE', () => {
  test('CREATE DATABASE with and without options', () => {
    expect(st('CREATE DATABASE foo')).toEqual({ kind: 'create-database', name: 'foo', options: [] })
    expect(st(`create database "Foo" with owner = bob encoding 'UTF8' TEMPLATE template0 connection limit = -1 is_template false tablespace default`)).toEqual({
      kind: 'create-database', name: 'Foo', options: [
        { name: 'owner', value: 'bob' }, { name: 'encoding', value: 'UTF8' }, { name: 'template', value: 'template0' },
        { name: 'connection limit', value: '-1' }, { name: 'is_template', value: 'false' }, { name: 'tablespace' },
      ],
    })
    expect(one('CREATE DATABASE foo')).toMatchObject({ position: 1 })
  })

  test('DROP DATABASE [IF EXISTS] name [[WITH] (FORCE)]', () => {
    expect(st('DROP DATABASE foo')).toEqual({ kind: 'drop-database', name: 'foo', ifExists: false, force: false })
    expect(st('drop database if exists foo with (force)')).toEqual({ kind: 'drop-database', name: 'foo', ifExists: true, force: true })
    expect(st('DROP DATABASE foo (FORCE)')).toMatchObject({ force: true })
  })

  test('errors: unknown DROP DATABASE option, missing name', () => {
    expect(syntaxError('DROP DATABASE foo WITH (bar)')).toEqual({ code: '42601', message: 'syntax error at or near "bar"', position: 25 })
    expect(syntaxError('CREATE DATABASE')).toMatchObject({ code: '42601', message: 'syntax error at end of input' })
    expect(syntaxError('DROP DATABASE a, b')).toMatchObject({ code: '42601', message: 'syntax error at or near ","' })
  })
})

describe('CREATE / ALTER / DROP ROLE and USER', () => {
  test('CREATE ROLE and CREATE USER with attributes', () => {
    expect(st("CREATE USER bob WITH PASSWORD 'secret' SUPERUSER CREATEDB")).toEqual({
      kind: 'create-role', name: 'bob', user: true, options: [
        { kind: 'password', value: 'secret' }, { kind: 'superuser', value: true }, { kind: 'createdb', value: true },
      ],
    })
    expect(st("create role r nologin nocreaterole password null connection limit 3 valid until 'infinity' encrypted password 'y' noinherit")).toEqual({
      kind: 'create-role', name: 'r', user: false, options: [
        { kind: 'login', value: false }, { kind: 'createrole', value: false }, { kind: 'password', value: null },
        { kind: 'connection-limit', value: 3 }, { kind: 'valid-until', value: 'infinity' }, { kind: 'password', value: 'y' },
        { kind: 'inherit', value: false },
      ],
    })
    expect(st('CREATE ROLE r')).toEqual({ kind: 'create-role', name: 'r', user: false, options: [] })
  })

  test('ALTER ROLE / ALTER USER', () => {
    expect(st("ALTER USER bob PASSWORD 'z'")).toEqual({ kind: 'alter-role', name: 'bob', options: [{ kind: 'password', value: 'z' }] })
    expect(st('alter role bob with nosuperuser login')).toEqual({ kind: 'alter-role', name: 'bob', options: [{ kind: 'superuser', value: false }, { kind: 'login', value: true }] })
  })

  test('ALTER ROLE … RENAME TO, ALTER DATABASE … RENAME TO / OWNER TO', () => {
    expect(st('ALTER ROLE a RENAME TO b')).toEqual({ kind: 'rename-role', name: 'a', to: 'b' })
    expect(st('alter user a rename to "B"')).toEqual({ kind: 'rename-role', name: 'a', to: 'B' })
    expect(st('ALTER DATABASE d RENAME TO e')).toEqual({ kind: 'alter-database', name: 'd', action: { kind: 'rename', to: 'e' } })
    expect(st('ALTER DATABASE d OWNER TO bob')).toEqual({ kind: 'alter-database', name: 'd', action: { kind: 'owner', owner: 'bob' } })
    expect(st('CREATE DATABASE owner OWNER owner')).toEqual({ kind: 'create-database', name: 'owner', options: [{ name: 'owner', value: 'owner' }] })
    expect(syntaxError('ALTER DATABASE d')).toMatchObject({ code: '42601' })
  })

  test('DROP ROLE / DROP USER [IF EXISTS] a, b', () => {
    expect(st('DROP ROLE IF EXISTS a, b')).toEqual({ kind: 'drop-role', names: ['a', 'b'], ifExists: true })
    expect(st('drop user c')).toEqual({ kind: 'drop-role', names: ['c'], ifExists: false })
  })

  test('an unknown role attribute is 42601 at the word, as in PostgreSQL', () => {
    expect(syntaxError('CREATE ROLE x LOGIN frobnicate')).toEqual({ code: '42601', message: 'unrecognized role option "frobnicate"', position: 21 })
    // PostgreSQL points at the 5; chevrotain's lookahead stops before PASSWORD.
    expect(syntaxError("CREATE ROLE x PASSWORD 5")).toMatchObject({ code: '42601' })
  })

  test('the new keywords still work as names and USER as a value function', () => {
    expect(one('SELECT user, current_user, database, role, password FROM users')).toMatchObject({ kind: 'query' })
    expect(st('CREATE TABLE role (user int, password text, database text)')).toMatchObject({ kind: 'create-table', name: 'role', columns: [{ name: 'user' }, { name: 'password' }, { name: 'database' }] })
  })
})
