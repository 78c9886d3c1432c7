/**
 * The package name a runtime dependency string refers to, for `dependentsOf`. Deliberately tiny:
 * the full grammar (versions, channels, sub-packages) is parsed by the resolver; the store only
 * needs "which zoi package does this name". Names are lower-cased, as Zoi does.
 */

/** Managers other than zoi (mirrors the resolver's list; a prefix not in it is part of a zoi name). */
const OTHER_MANAGERS = new Set(
  ('apt apt-get apk aur brew brew-cask bun cargo cargo-binstall choco composer conda dart-pub deno ' +
    'dnf dotnet eopkg flatpak gem go guix jsr macports mas nix npm pacman paru pikaur pip pipx pnpm ' +
    'portage scoop snap trizen uv volta winget yarn yay zig yum zypper xbps xbps-install native').split(' '),
)

const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._+-]*'
/** `[#handle@][@][repo/…/]name` at the start of the string. */
const REFERENCE = new RegExp(`^(?:#${SEGMENT}@)?@?(?:${SEGMENT}/)*(${SEGMENT})`)

/**
 * `zoi:openssl@^3` → `openssl`, `zoi:@core/foo` → `foo`, `openssl>=3` → `openssl`,
 * `ccache:faster builds` → `ccache`; `native:zlib`, `npm:x` → null (not a zoi package).
 */
export function zoiDependencyName(text: string): string | null {
  let rest = text.trim()
  const manager = /^([A-Za-z][A-Za-z0-9-]*):/.exec(rest)
  if (manager) {
    const word = manager[1]!.toLowerCase()
    if (OTHER_MANAGERS.has(word)) return null
    if (word === 'zoi') rest = rest.slice(manager[0].length)
  }
  const name = REFERENCE.exec(rest)?.[1]
  return name === undefined ? null : name.toLowerCase()
}
