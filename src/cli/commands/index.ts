/** Every command zoi has, in the order `zoi --help` lists them. */
import type { CommandSpec } from '../command-spec.ts'
import { bundle } from './bundle.ts'
import { cache } from './cache.ts'
import { download } from './download.ts'
import { key } from './key.ts'
import { completion } from './completion.ts'
import { autoremove, check, doctor, history } from './housekeeping.ts'
import { install, pin, uninstall, unpin, update } from './install.ts'
import { mirror, serve } from './mirror.ts'
import { pkg } from './package.ts'
import { files, list, owner, search, show, why } from './query.ts'
import { source } from './source.ts'
import { sync } from './sync.ts'

export const COMMANDS: readonly CommandSpec[] = [
  sync, install, uninstall, update, list, search, show, files, owner, why, pin, unpin, autoremove, check, history, doctor, cache, key, download, source, pkg, mirror, serve, bundle,
  completion,
]
