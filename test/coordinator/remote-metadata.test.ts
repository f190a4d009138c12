/**
 * The routing metadata a coordinator process reads from a remote shard
 * (isola_distribution and pg_attribute over the wire) is the metadata a
 * one-process coordinator reads from a local shard's catalog, for every kind of
 * distribution and column type.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { ClusterMetadata } from '../../coordinator/cluster-session.js'
import { metadataFromRemoteShard } from '../../coordinator/remote-metadata.js'
import { WireConnection } from '../../coordinator/wire-client.js'
import { ShardServer } from '../../server/shard.js'

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

it('equals ClusterMetadata.fromShard: DISTRIBUTED BY, REPLICATED, the primary key by default, types and typmods, dropped and renamed columns', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-remote-meta-'))
  const shard = await ShardServer.open({ dir, port: 0 })
  const conn = await WireConnection.connect({ host: shard.host, port: shard.port })
  try {
    await conn.query(`
      CREATE TABLE a (id int8 PRIMARY KEY, name varchar(20), price numeric(10, 2), at timestamptz, ok bool, tag char(3));
      CREATE TABLE b (k text, region int, v float8, PRIMARY KEY (k, region)) DISTRIBUTED BY (region);
      CREATE TABLE c (code text PRIMARY KEY, label text) DISTRIBUTED REPLICATED;
      CREATE TABLE d (x int, y int);
      CREATE TABLE e (gone int, id int PRIMARY KEY, kept text);
      ALTER TABLE e DROP COLUMN gone;
      ALTER TABLE e RENAME COLUMN kept TO renamed;
      CREATE VIEW v AS SELECT id FROM a`)
    const remote = await metadataFromRemoteShard(conn, 3)
    const local = ClusterMetadata.fromShard(shard.db, 3)
    expect(remote.catalog).toEqual(local.catalog)
    // And it says what was declared.
    const names = (t: { name: string }[]) => t.map((x) => x.name).sort()
    expect(names([...remote.catalog.tables.values()] as { name: string }[])).toEqual(['a', 'b', 'c', 'e'])
  } finally {
    await conn.close()
    await shard.close()
  }
})
