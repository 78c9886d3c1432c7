/** Which executable zoi is, and under which name it was started (the multi-call `git`). */
import { expect, test } from 'bun:test'
import { invokedAs, zoiExecutable } from '../../../src/platform/self.ts'

test('a compiled binary (entry in /$bunfs) hands out its own path; bun running sources does not', () => {
  expect(zoiExecutable(['bun', '/$bunfs/root/zoi', 'install'], '/usr/local/bin/zoi')).toBe('/usr/local/bin/zoi')
  expect(zoiExecutable(['/usr/bin/bun', '/src/main.ts'], '/usr/bin/bun')).toBeUndefined()
})

test('the name zoi was started under decides the multi-call role', () => {
  expect(invokedAs('/tmp/build/bin/git')).toBe('git')
  expect(invokedAs('git.exe')).toBe('git')
  expect(invokedAs('./zoi')).toBe('zoi')
})
