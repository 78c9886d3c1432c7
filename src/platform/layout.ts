/**
 * Every filesystem path zoi uses, in one place (SPEC §6). Nothing else in src/ may build
 * `/etc`, `/var` or home-directory paths: modules receive the Layout (or one path from it).
 *
 * What `--root R` re-bases: EVERY system-scope path below (config, registries, installed db,
 * store, bin links, cache, lock, temp) and the `data/usrroot` target. What it does not:
 * `--pkg-dir` folders (host paths by definition) and the host registry database, which is
 * only READ as a fallback when R has none yet (it is copied into R after an install).
 * Under --root nothing is ever written outside R.
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

export type Scope = 'user' | 'system'

export interface Layout {
  readonly scope: Scope
  /** The absolute `--root`, or null when operating on this machine. */
  readonly root: string | null
  /** The home directory of the user running zoi (never re-based). */
  readonly home: string
  /** Config files read in order: later files override earlier ones. */
  readonly configFiles: readonly string[]
  /** The config file that `sync set`, `cache mirror add`, … write. */
  readonly configWriteFile: string
  /** Registry clones `<db>/<handle>/` and indexes `<db>/<handle>.db`. */
  readonly dbDir: string
  /** Where registries are read from when `dbDir` has none (the host's, under --root). */
  readonly fallbackDbDirs: readonly string[]
  readonly installedDb: string
  readonly storeDir: string
  readonly binDir: string
  readonly cacheDir: string
  /** Records of imported air-gap bundles (`<sha512 of bundle.json>.json`). */
  readonly bundlesDir: string
  /** The OpenPGP keyring `<name>.asc` files that `zoi key add` writes (SPEC §10). */
  readonly pgpDir: string
  /** Keyrings read, in order: `pgpDir`, then (user scope) the system keyring. */
  readonly pgpDirs: readonly string[]
  /** The source cache (SPEC §11): blobs `sha512/<hex>`, git repositories, `index.json`. */
  readonly sourceCacheDir: string
  readonly lockFile: string
  /** Staging area on the same filesystem as the store, so moving into place is a rename. */
  readonly tmpDir: string
  /** Target of `data/usrroot` (system scope only). */
  readonly usrRoot: string
  /** Target of `data/usrhome`. */
  readonly usrHome: string
}

export interface LayoutOptions {
  scope?: Scope
  root?: string | null
  home?: string
  /** `process.platform`-style name; decides the Windows system folders. */
  platform?: NodeJS.Platform
}

/** Path pieces relative to a root, written once. */
const SYSTEM_UNIX = {
  config: 'etc/zoi/config.yaml',
  db: 'var/lib/zoi/pkgs/db',
  store: 'var/lib/zoi/pkgs/store',
  bin: 'usr/local/bin',
  cache: 'var/cache/zoi/archives',
  pgp: 'etc/zoi/pgps',
  sources: 'var/cache/zoi/sources',
  lock: 'var/lib/zoi/pkgs/lock',
  tmp: 'var/lib/zoi/pkgs/tmp',
  bundles: 'var/lib/zoi/pkgs/bundles',
} as const

const SYSTEM_WINDOWS = {
  config: 'ProgramData/zoi/config.yaml',
  db: 'ProgramData/zoi/pkgs/db',
  store: 'ProgramData/zoi/pkgs/store',
  bin: 'ProgramData/zoi/pkgs/bin',
  cache: 'ProgramData/zoi/cache/archives',
  pgp: 'ProgramData/zoi/pgps',
  sources: 'ProgramData/zoi/cache/sources',
  lock: 'ProgramData/zoi/pkgs/lock',
  tmp: 'ProgramData/zoi/pkgs/tmp',
  bundles: 'ProgramData/zoi/pkgs/bundles',
} as const

const USER = {
  config: '.zoi/pkgs/config.yaml',
  db: '.zoi/pkgs/db',
  store: '.zoi/pkgs/store',
  bin: '.zoi/pkgs/bin',
  cache: '.zoi/cache/archives',
  pgp: '.zoi/pgps',
  sources: '.zoi/cache/sources',
  lock: '.zoi/pkgs/lock',
  tmp: '.zoi/pkgs/tmp',
  bundles: '.zoi/pkgs/bundles',
} as const

/** The user's home: $HOME (or USERPROFILE) when set, else the OS answer. */
export function homeDirectory(env: Record<string, string | undefined> = process.env): string {
  return env.HOME || env.USERPROFILE || homedir()
}

function systemBase(platform: NodeJS.Platform): string {
  return platform === 'win32' ? (process.env.SystemDrive ?? 'C:') + '\\' : '/'
}

export function layoutFor(options: LayoutOptions = {}): Layout {
  const platform = options.platform ?? process.platform
  const home = options.home ?? homeDirectory()
  const root = options.root == null ? null : resolve(options.root)
  const scope: Scope = root !== null ? 'system' : (options.scope ?? 'user')
  const sys = platform === 'win32' ? SYSTEM_WINDOWS : SYSTEM_UNIX
  const sysBase = root ?? systemBase(platform)
  const userConfig = join(home, USER.config)
  const systemConfig = join(sysBase, sys.config)

  if (scope === 'user') {
    return Object.freeze({
      scope,
      root: null,
      home,
      configFiles: [systemConfig, userConfig],
      configWriteFile: userConfig,
      dbDir: join(home, USER.db),
      // Registries synced system-wide (e.g. by a bootstrap with --root) are readable by users.
      fallbackDbDirs: [join(systemBase(platform), sys.db)],
      installedDb: join(home, USER.db, 'local.db'),
      storeDir: join(home, USER.store),
      binDir: join(home, USER.bin),
      cacheDir: join(home, USER.cache),
      bundlesDir: join(home, USER.bundles),
      pgpDir: join(home, USER.pgp),
      pgpDirs: [join(home, USER.pgp), join(systemBase(platform), sys.pgp)],
      sourceCacheDir: join(home, USER.sources),
      lockFile: join(home, USER.lock),
      tmpDir: join(home, USER.tmp),
      usrRoot: systemBase(platform),
      usrHome: home,
    })
  }

  const dbDir = join(sysBase, sys.db)
  // Under --root the host's registries stay readable (never written) so that a fresh
  // disk can be bootstrapped from what this machine has synced.
  const fallbackDbDirs = root !== null ? [join(home, USER.db), join(systemBase(platform), sys.db)] : [join(home, USER.db)]
  return Object.freeze({
    scope,
    root,
    home,
    // Under --root the invoking user's preferences (registries, pkg_dirs, mirrors) still apply,
    // and the target's own config overrides them.
    configFiles: root !== null ? [userConfig, systemConfig] : [systemConfig, userConfig],
    configWriteFile: root !== null ? systemConfig : userConfig,
    dbDir,
    fallbackDbDirs,
    installedDb: join(dbDir, 'local.db'),
    storeDir: join(sysBase, sys.store),
    binDir: join(sysBase, sys.bin),
    cacheDir: join(sysBase, sys.cache),
    bundlesDir: join(sysBase, sys.bundles),
    pgpDir: join(sysBase, sys.pgp),
    pgpDirs: [join(sysBase, sys.pgp)],
    sourceCacheDir: join(sysBase, sys.sources),
    lockFile: join(sysBase, sys.lock),
    tmpDir: join(sysBase, sys.tmp),
    usrRoot: sysBase,
    usrHome: root !== null ? join(root, relativeToRoot(home)) : home,
  })
}

/** `/home/a` → `home/a`: the part of an absolute path below its filesystem root. */
function relativeToRoot(p: string): string {
  return isAbsolute(p) ? p.replace(/^([A-Za-z]:)?[\\/]+/, '') : p
}

/** Re-base an absolute host path under `root` (`/etc/x` → `<root>/etc/x`). */
export function rebase(root: string, p: string): string {
  return join(root, relativeToRoot(p))
}
