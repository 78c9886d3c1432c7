/**
 * What a sync that checked out a whole tree hands the indexer (`SyncResult.checkedOut`) must be
 * exactly what the clone holds: every definition file with its blob id, and those blobs' bytes.
 */
import { expect } from 'bun:test'
import { listDefinitionBlobs, readBlob, type DefinitionFiles } from '../../src/registry/git.ts'

export async function expectCheckedOut(dir: string, checkedOut: DefinitionFiles | undefined): Promise<void> {
  expect(checkedOut).toBeDefined()
  const listed = await listDefinitionBlobs(dir)
  expect(listed.size).toBeGreaterThan(0)
  // In the tree's order (the indexer sorts what it reads); listDefinitionBlobs sorts by path.
  expect([...checkedOut!.blobs].sort(([a], [b]) => (a < b ? -1 : 1))).toEqual([...listed])
  for (const oid of listed.values()) expect(checkedOut!.data.get(oid)).toEqual(await readBlob(dir, oid))
}
