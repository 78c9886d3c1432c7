/**
 * Public surface of OpenPGP trust (SPEC §10): the keyring, trust anchors, detached-signature
 * verification and signing. OpenPGP.js itself is loaded lazily inside these functions.
 */
export { anchorKeys, anchorsForHandle, anchorsForRef, type Anchors } from './anchors.ts'
export { day, describeKey, keyLabel, type KeyInfo } from './key-info.ts'
export { addKey, defaultKeyName, exportKey, loadKeyring, matchesKey, removeKey, type AddedKey, type RingKey } from './keyring.ts'
export { readKeysFrom } from './openpgp.ts'
export { signDetached, type SigningKey } from './sign.ts'
export { SKEW_MS, verifyDetached, type SignatureCheck, type SignedObject } from './verify.ts'
