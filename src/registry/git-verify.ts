/**
 * Verifying that a registry commit is signed by one of its anchor keys (SPEC §10), before the
 * sync swaps it in. The signed payload and the `gpgsig` header come from isomorphic-git; the
 * signature is checked by the trust module. Time is the commit's own: the key must have been
 * valid when it signed, and a signature dated after the commit (beyond clock skew) is refused.
 */
import { git } from './git-lib.ts'
import { ZoiError } from '../errors.ts'
import { verifyDetached, type RingKey, type SignatureCheck } from '../trust/index.ts'
import { gitFs as fs } from './git-swap.ts'

export interface CommitTrust {
  /** The registry's name for messages. */
  label: string
  keys: readonly RingKey[]
  /** The whole keyring, to name an untrusted signer. */
  ring?: readonly RingKey[]
}

/** A commit's gpg signature, checked against `trust.keys`; throws INTEGRITY naming commit and signer. */
export async function verifyCommit(gitdir: string, oid: string, trust: CommitTrust): Promise<SignatureCheck & { commitTime: Date }> {
  const { commit, payload } = await git.readCommit({ fs, gitdir, oid })
  const subject = `commit ${oid.slice(0, 12)} of registry '${trust.label}'`
  const commitTime = new Date(commit.committer.timestamp * 1000)
  if (!commit.gpgsig) {
    throw new ZoiError('INTEGRITY', `${subject} is not signed, and the registry requires signatures by ${trust.keys.map((k) => `'${k.name}'`).join(', ')}`, {
      hint: 'the previous clone and index were kept; ask the registry maintainers to sign their commits (git commit -S)',
      data: { commit: oid },
    })
  }
  try {
    const check = await verifyDetached(
      { subject, data: new TextEncoder().encode(payload), signature: commit.gpgsig, sigSource: `the gpgsig of commit ${oid.slice(0, 12)}` },
      trust.keys,
      commitTime,
      trust.ring,
    )
    return { ...check, commitTime }
  } catch (e) {
    if (e instanceof ZoiError && e.code === 'INTEGRITY') {
      throw new ZoiError('INTEGRITY', e.message, { hint: `the previous clone and index were kept; ${e.hint ?? 'check the registry source'}`, data: { ...e.data, commit: oid } })
    }
    throw e
  }
}

/** The committer time of `oid` (the reference time for archive signatures of that registry). */
export async function commitTime(dir: string, oid: string): Promise<Date> {
  const { commit } = await git.readCommit({ fs, dir, oid })
  return new Date(commit.committer.timestamp * 1000)
}
