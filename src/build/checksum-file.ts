/**
 * UTILS.PARSE.checksumFile(content, filename): the checksum a SHA256SUMS-style file gives for
 * one file. Understands `<hex>  <name>` and `<hex> *<name>` (sha256sum), BSD tags
 * (`SHA256 (name) = <hex>`), names with a leading `./`, and a file holding one bare checksum.
 */

const HEX = /^[0-9a-fA-F]{32,128}$/

export function findChecksum(content: string, filename: string): string | undefined {
  const wanted = clean(filename)
  const lines = content.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  for (const line of lines) {
    const bsd = /^[A-Za-z0-9-]+ ?\((.+)\) ?= ?([0-9a-fA-F]+)$/.exec(line)
    if (bsd) {
      if (clean(bsd[1] as string) === wanted) return (bsd[2] as string).toLowerCase()
      continue
    }
    const m = /^([0-9a-fA-F]+)\s+\*?(.+)$/.exec(line)
    if (m && HEX.test(m[1] as string) && clean(m[2] as string) === wanted) return (m[1] as string).toLowerCase()
  }
  if (lines.length === 1 && HEX.test(lines[0] as string)) return (lines[0] as string).toLowerCase()
  return undefined
}

function clean(name: string): string {
  return name.trim().replace(/^(\.\/)+/, '')
}
