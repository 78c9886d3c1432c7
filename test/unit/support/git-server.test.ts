import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { startGitServer, type GitServer } from '../../support/git-server.ts'
import { headOf, makeGitRepo, makeTempDir, removeTempDirs, runGit } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

describe('git smart-HTTP test server', () => {
  let server: GitServer
  let repo: string

  beforeAll(async () => {
    repo = await makeGitRepo({ 'repo.yaml': 'name: Served\n' })
    server = startGitServer(dirname(repo))
  })
  afterAll(async () => await server.stop())

  test('advertises refs with the pkt-line service header', async () => {
    const res = await fetch(`${server.url}/${basename(repo)}/info/refs?service=git-upload-pack`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement')
    const text = await res.text()
    expect(text.startsWith('001e# service=git-upload-pack\n0000')).toBe(true)
    expect(text).toContain(await headOf(repo))
  })

  test('system git can clone through it', async () => {
    const out = join(await makeTempDir(), 'clone')
    await runGit(dirname(out), ['clone', '-q', `${server.url}/${basename(repo)}`, out])
    expect(await readFile(join(out, 'repo.yaml'), 'utf8')).toBe('name: Served\n')
    expect(await headOf(out)).toBe(await headOf(repo))
  })

  test('a gzip-encoded upload-pack request is decoded', async () => {
    const want = `want ${await headOf(repo)}\n`
    const pkt = (want.length + 4).toString(16).padStart(4, '0') + want + '0000' + '0009done\n'
    const res = await fetch(`${server.url}/${basename(repo)}/git-upload-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' },
      body: Bun.gzipSync(Buffer.from(pkt)),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-result')
    expect(Buffer.from(await res.arrayBuffer()).includes('PACK')).toBe(true)
  })

  test('an unknown repository is a 404', async () => {
    const res = await fetch(`${server.url}/nope/info/refs?service=git-upload-pack`)
    expect(res.status).toBe(404)
  })

  test('paths outside the repos root are not served', async () => {
    const res = await fetch(`${server.url}/..%2f..%2fetc/info/refs?service=git-upload-pack`)
    expect(res.status).toBe(404)
  })

  test('receive-pack (push) is not offered', async () => {
    const res = await fetch(`${server.url}/${basename(repo)}/info/refs?service=git-receive-pack`)
    expect(res.status).toBe(403)
  })

  test('counts requests and injects one upload-pack failure', async () => {
    const before = server.requests
    server.failNextUploadPack(500)
    const out = join(await makeTempDir(), 'clone')
    await expect(runGit(dirname(out), ['clone', '-q', `${server.url}/${basename(repo)}`, out])).rejects.toThrow()
    expect(server.requests).toBeGreaterThan(before)
    await runGit(dirname(out), ['clone', '-q', `${server.url}/${basename(repo)}`, out + '2'])
    expect(existsSync(join(out + '2', 'repo.yaml'))).toBe(true)
  })
})
