/**
 * Making a binary detached signature (`package build --sign`), the format `gpg --verify` reads.
 * The secret key comes from an armored file; its passphrase is asked for only when it has one.
 */
import { ZoiError, describeError } from '../errors.ts'
import { openpgp } from './openpgp.ts'

export interface SigningKey {
  /** The secret key file, for messages. */
  source: string
  data: Uint8Array
  /** Called only when the key is protected. */
  passphrase: () => Promise<string>
}

export async function signDetached(data: Uint8Array, key: SigningKey): Promise<{ signature: Uint8Array; fingerprint: string }> {
  const pgp = await openpgp()
  const text = new TextDecoder().decode(key.data)
  let secret = await (text.includes('-----BEGIN PGP')
    ? pgp.readPrivateKey({ armoredKey: text })
    : pgp.readPrivateKey({ binaryKey: key.data })
  ).catch((e: unknown) => {
    throw new ZoiError('USAGE', `${key.source} holds no OpenPGP secret key: ${describeError(e)}`)
  })
  if (!secret.isDecrypted()) {
    const passphrase = await key.passphrase()
    secret = await pgp.decryptKey({ privateKey: secret, passphrase }).catch((e: unknown) => {
      throw new ZoiError('USAGE', `cannot unlock the secret key in ${key.source}: ${describeError(e)}`, {
        hint: 'check ZOI_PGP_PASSPHRASE',
      })
    })
  }
  const message = await pgp.createMessage({ binary: data })
  const signature = await pgp.sign({ message, signingKeys: secret, detached: true, format: 'binary' }).catch((e: unknown) => {
    throw new ZoiError('USAGE', `cannot sign with the key in ${key.source}: ${describeError(e)}`)
  })
  return { signature: signature as Uint8Array, fingerprint: secret.getFingerprint().toUpperCase() }
}
