/**
 * Preloaded (`node --import`) into the shard processes of the chaos test: a shard
 * whose parent is gone (stdin closed: the test process died, even by SIGKILL, with
 * no chance to clean up) exits instead of serving on. The test kills its processes
 * itself when it ends or fails; this covers the test being killed.
 */
process.stdin.on('end', () => process.exit(1))
process.stdin.on('data', () => undefined)
process.stdin.resume()
