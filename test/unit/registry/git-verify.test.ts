/**
 * Registry commit signatures judged at the commit's own time (SPEC §10): a key that has expired
 * since still verifies the commits it signed while valid, whatever this machine's clock says;
 * a signature dated well after its commit is refused.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { verifyCommit } from '../../../src/registry/index.ts'
import { addKey, loadKeyring } from '../../../src/trust/index.ts'
import { HAS_GPG, makeGpgKey, type GpgKey } from '../../support/gpg.ts'
import { makeTempDir, removeTempDirs } from '../../support/make-git-repo.ts'

afterAll(removeTempDirs)

/** A commit signed by gpg believing it is `signTime`, with the commit dated `commitDate`. */
function signedCommit(repo: string, key: GpgKey, signTime: string, commitDate: string, message: string): string {
  const wrapper = join(key.home, `gpg-at-${signTime}`)
  writeFileSync(wrapper, `#!/bin/sh\nexec gpg --faked-system-time ${signTime} "$@"\n`)
  chmodSync(wrapper, 0o755)
  const env = {
    ...process.env, GNUPGHOME: key.home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@x',
    GIT_AUTHOR_DATE: commitDate, GIT_COMMITTER_DATE: commitDate,
  }
  const git = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
    return r.stdout.trim()
  }
  git(['-c', `gpg.program=${wrapper}`, '-c', `user.signingkey=${key.fingerprint}`, 'commit', '-q', '--allow-empty', '-S', '-m', message])
  return git(['rev-parse', 'HEAD'])
}

describe.skipIf(!HAS_GPG)('commit signatures over time (needs gnupg)', () => {
  test('a key that expired since still verifies a commit it signed while valid', async () => {
    const repo = await makeTempDir('zoi-verify-')
    spawnSync('git', ['init', '-q', '-b', 'main'], { cwd: repo })
    const key = makeGpgKey('Old Registry <old@example.org>', { expire: '1y', fakedTime: '20200101T000000' })
    const ring = await makeTempDir('zoi-ring-')
    await addKey(ring, readFileSync(key.publicFile), { source: key.publicFile, name: 'old' })
    const keys = await loadKeyring([ring])
    // Valid when it signs (2020-06-01), expired since (a year after 2020-01-01): fixed dates, not this machine's clock.
    expect(keys[0]!.expires!.getTime()).toBeGreaterThan(Date.parse('2020-06-01T00:00:00Z'))
    expect(keys[0]!.expires!.getTime()).toBeLessThan(Date.parse('2021-01-02T00:00:00Z'))

    const oid = signedCommit(repo, key, '20200601T000000', '2020-06-01T00:00:00Z', 'signed in 2020')
    const check = await verifyCommit(join(repo, '.git'), oid, { label: 'old', keys })
    expect(check.signer).toBe('old')
    expect(check.commitTime.toISOString()).toBe('2020-06-01T00:00:00.000Z')

    // Dated months before its signature: the signature is "from the future" of the commit.
    const backdated = signedCommit(repo, key, '20200601T000000', '2020-02-01T00:00:00Z', 'backdated')
    const e = await verifyCommit(join(repo, '.git'), backdated, { label: 'old', keys }).catch((e) => e)
    expect(e.exitCode).toBe(6)
    expect(e.message).toContain('from the future')
    expect(e.message).toContain(backdated.slice(0, 12))
  })
})
