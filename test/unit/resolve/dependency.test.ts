// Dependency strings (SPEC §4): what each spelling parses to, and what is refused.
import { describe, expect, test } from 'bun:test'
import { isZoiError } from '../../../src/errors.ts'
import { isExternal, parseDependency, type DependencySpec } from '../../../src/resolve/index.ts'

/** The parse as a flat record; `constraint` shown by its text. */
function shape(dep: DependencySpec): Record<string, string | undefined> {
  const { raw: _raw, constraint, ...rest } = dep
  return { ...rest, constraint: constraint.raw }
}

// prettier-ignore
const TABLE: [string, Record<string, string>][] = [
  ['zoi:openssl@^3', { manager: 'zoi', name: 'openssl', versionSpec: '^3', constraint: '^3' }],
  ['native:zlib', { manager: 'native', name: 'zlib', constraint: '' }],
  ['zoi:ccache:faster rebuilds', { manager: 'zoi', name: 'ccache', description: 'faster rebuilds', constraint: '' }],
  ['zoi:foo:docs', { manager: 'zoi', name: 'foo', description: 'docs', constraint: '' }],
  ['zoi:@repo/name@1.2', { manager: 'zoi', repo: 'repo', name: 'name', versionSpec: '1.2', constraint: '1.2' }],
  ['zoi:@core/linux/amd64/nvidia-driver', { manager: 'zoi', repo: 'core/linux/amd64', name: 'nvidia-driver', constraint: '' }],
  ['openssl>=3', { manager: 'zoi', name: 'openssl', versionSpec: '>=3', constraint: '>=3' }],
  ['apt:libssl-dev', { manager: 'apt', name: 'libssl-dev', constraint: '' }],
  ['npm:typescript@5', { manager: 'npm', name: 'typescript', versionSpec: '5', constraint: '5' }],
  ['npm:@types/node@^20:typings', { manager: 'npm', name: '@types/node', versionSpec: '^20', constraint: '^20', description: 'typings' }],
  ['go:github.com/x/y@latest', { manager: 'go', name: 'github.com/x/y', versionSpec: 'latest', constraint: '' }],
  ['pip:requests[socks]>=2.0', { manager: 'pip', name: 'requests[socks]', versionSpec: '>=2.0', constraint: '>=2.0' }],
  ['zoi:#otherreg@core/foo', { manager: 'zoi', handle: 'otherreg', repo: 'core', name: 'foo', constraint: '' }],
  ['zoi:#Corp@Extra/Tool@~1.2', { manager: 'zoi', handle: 'corp', repo: 'extra', name: 'tool', versionSpec: '~1.2', constraint: '~1.2' }],
  ['zoi:my-pkg@stable', { manager: 'zoi', name: 'my-pkg', versionSpec: 'stable', channel: 'stable', constraint: '' }],
  ['zoi:my-pkg@@beta', { manager: 'zoi', name: 'my-pkg', versionSpec: '@beta', channel: 'beta', constraint: '' }],
  ['zoi:foo:dev@^1', { manager: 'zoi', name: 'foo', sub: 'dev', versionSpec: '^1', constraint: '^1' }],
  ['zoi:foo:dev@^1:headers', { manager: 'zoi', name: 'foo', sub: 'dev', versionSpec: '^1', constraint: '^1', description: 'headers' }],
  ['zoi:foo@>=1.2,<2:both ends', { manager: 'zoi', name: 'foo', versionSpec: '>=1.2,<2', constraint: '>=1.2,<2', description: 'both ends' }],
  ['qt6:KDE', { manager: 'zoi', name: 'qt6', description: 'KDE', constraint: '' }],
  ['APT:curl', { manager: 'apt', name: 'curl', constraint: '' }],
  ['native:qt6:KDE', { manager: 'native', name: 'qt6', description: 'KDE', constraint: '' }],
]

describe('parseDependency', () => {
  test.each(TABLE)('%p', (text, expected) => {
    const dep = parseDependency(text)
    expect(shape(dep)).toEqual(expected)
    expect(dep.raw).toBe(text)
  })

  test('external managers are told apart from zoi', () => {
    expect(['zoi:a', 'a', 'native:a', 'brew:a'].map((t) => isExternal(parseDependency(t)))).toEqual([false, false, true, true])
  })

  // prettier-ignore
  test.each([
    '', 'zoi:', 'zoi:@', 'zoi:foo@', 'zoi:foo@>=', 'zoi:foo@^x.y', 'zoi:foo bar', 'zoi:foo!',
    'zoi:foo:', 'zoi:foo@@', 'zoi:#corp', 'apt:', 'apt: curl', '>=1.0', 'zoi:foo@1.0 || 2.0',
  ])('%p is a USAGE error naming the string', (text) => {
    let error: unknown
    try {
      parseDependency(text)
    } catch (e) {
      error = e
    }
    expect(isZoiError(error, 'USAGE')).toBe(true)
    expect((error as Error).message).toContain(`'${text.trim()}'`)
  })
})
