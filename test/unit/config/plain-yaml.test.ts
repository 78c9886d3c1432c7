import { expect, test } from 'bun:test'
import YAML from 'yaml'
import { parsePlainYaml } from '../../../src/config/plain-yaml.ts'

test('a plain document reads as the yaml library reads it (scalars of every kind, lists, maps, block scalars)', () => {
  const texts = [
    'name: Example\nrepos:\n  - {name: core, active: true}\n  - name: extra\n    active: no\n',
    'a: yes\nb: 017\nc: 0x1F\nd: 1.10\ne: ~\nf: .inf\ng: 2001-12-14\nh: "q"\ni: \'s\'\'t\'\n',
    'keys:\n  - name: k\n    key: |\n      -----BEGIN PGP PUBLIC KEY BLOCK-----\n      abc\n',
    '# only a comment\n',
    '',
  ]
  for (const text of texts) expect(parsePlainYaml(text)).toEqual({ value: YAML.parse(text) })
})

test('what the yaml library must read is declined: anchors, aliases, tags, directives, documents, merge keys, repeated top-level keys, invalid text', () => {
  for (const text of [
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    '%YAML 1.2\n---\na: 1\n',
    'a: 1\n---\nb: 2\n',
    'base: {x: 1}\nc:\n  <<: {x: 2}\n',
    'a: 1\nb: 2\na: 3\n',
    'a: [1, 2\n',
  ]) expect(parsePlainYaml(text)).toBeUndefined()
})
