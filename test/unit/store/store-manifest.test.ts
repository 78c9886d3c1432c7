/** manifest.yaml text (store-manifest.ts): the installed-file list written without a YAML node per file reads back the same. */
import { describe, expect, test } from 'bun:test'
import { parse, stringify } from 'yaml'
import { manifestText } from '../../../src/store/store-manifest.ts'

const fields = { name: 'hello', version: '1.0.0', bins: ['hello'], dependencies: { runtime: [] }, archive_sha512: null, installed_size: 12 }

describe('manifestText', () => {
  test('plain placeholder paths come out byte for byte as the yaml library writes them', async () => {
    const files = ['${pkgstore}/bin/hello', '${pkgstore}/lib/libz.so.1.3', '${usrroot}/etc/hello.conf', '${usrhome}/.config/a_b+c@d-e']
    await expect(manifestText(fields, files)).resolves.toBe(stringify({ ...fields, installed_files: files }))
  })

  test('paths YAML must quote or fold (spaces, colons, hashes, quotes, newlines, non-ASCII, very long) read back unchanged', async () => {
    const files = [
      '${pkgstore}/a b/c d',
      '${pkgstore}/x: y',
      '${pkgstore}/x #not a comment',
      "${pkgstore}/it's \"quoted\"",
      '${pkgstore}/line\nbreak',
      '${pkgstore}/ünïcødé/файл',
      `\${pkgstore}/${'long words '.repeat(20)}`,
      '${pkgstore}/- dash',
      '${pkgstore}/plain',
      'not-a-placeholder: yes',
    ].sort()
    const text = await manifestText(fields, files)
    expect(parse(text)).toEqual({ ...fields, installed_files: files })
  })

  test('an empty list is written as the library writes it', async () => {
    await expect(manifestText(fields, [])).resolves.toBe(stringify({ ...fields, installed_files: [] }))
  })
})
