/** `zoi key add|ls|rm|export|trust`: the OpenPGP keyring and trust anchors (SPEC §10). */
import { flagString, needArgs, requireAction, type CommandSpec } from '../command-spec.ts'

export const key: CommandSpec = {
  usage: 'key [action] [...args]',
  description: 'Manage OpenPGP keys: key add <file.asc | url>, key ls, key rm <name | fingerprint>, key export <name>, key trust <key>, key untrust <key>',
  options: [
    { flag: '--name <name>', description: 'With add: the keyring name (default: the file name)' },
    { flag: '--registry <handle>', description: 'With trust/untrust: the registry whose authorities get or lose the key (default: the default registry)' },
  ],
  examples: ['zoi key add ./corp-release.asc --name corp', 'zoi key ls', 'zoi key trust corp --registry corp', 'zoi key untrust corp --registry corp', 'zoi key export corp > corp.asc'],
  async run(ctx, args, flags) {
    const { keyAdd, keyExport, keyList, keyRemove, keyTrust, keyUntrust } = await import('../../ops/keys.ts')
    const [action, ...rest] = args
    switch (requireAction('key', action, ['add', 'ls', 'list', 'rm', 'remove', 'export', 'trust', 'untrust'])) {
      case 'add': {
        const [source] = needArgs('key add <file.asc | url>', rest)
        const k = await keyAdd(ctx, source!, flagString(flags, 'name'))
        return { text: `${k.changed ? 'Added' : 'Already present:'} key '${k.name}' ${k.fingerprint} ${k.userIds.join(', ')}`, json: k }
      }
      case 'rm':
      case 'remove': {
        const [id] = needArgs('key rm <name | fingerprint>', rest)
        const removed = await keyRemove(ctx, id!)
        return { text: removed.map((k) => `Removed key '${k.name}' ${k.fingerprint}`).join('\n'), json: removed.map((k) => ({ name: k.name, fingerprint: k.fingerprint })) }
      }
      case 'export': {
        const [id] = needArgs('key export <name | fingerprint>', rest)
        const text = await keyExport(ctx, id!)
        return { text: text.trimEnd(), json: { armored: text } }
      }
      case 'trust': {
        const [id] = needArgs('key trust <name | fingerprint>', rest)
        const t = await keyTrust(ctx, id!, flagString(flags, 'registry'))
        return { text: `Registry '${t.registry}' now requires signatures by ${t.fingerprint}`, json: t }
      }
      case 'untrust': {
        const [id] = needArgs('key untrust <name | fingerprint>', rest)
        const u = await keyUntrust(ctx, id!, flagString(flags, 'registry'))
        const after = u.remaining ? `it still requires ${u.remaining} other key${u.remaining === 1 ? '' : 's'}` : 'it no longer requires signed commits'
        return { text: `Registry '${u.registry}' no longer requires ${u.removed.join(', ')}; ${after}`, json: u }
      }
      default: {
        needArgs('key ls', rest, 0)
        const rows = await keyList(ctx)
        const text = rows.map((r) => [
          `${r.name}  ${r.fingerprint}`,
          ...r.userIds.map((u) => `  uid      ${u}`),
          `  expires  ${r.expires?.slice(0, 10) ?? 'never'}${r.revoked ? `  REVOKED ${r.revoked.slice(0, 10)}` : ''}`,
          ...(r.trustedBy.length ? [`  trusted  ${r.trustedBy.join(', ')}`] : []),
        ].join('\n')).join('\n')
        return { text: rows.length ? text : 'The keyring is empty.', json: rows }
      }
    }
  },
}
