import { expect, test } from 'bun:test'
import { missingZoiDependencies } from '../../../src/ops/build-dependencies.ts'

test('a build dependency is missing when not installed or installed outside its constraint; other managers and ones tried already are left out', () => {
  const installed = new Map([['cmake', '3.20.0'], ['make', '4.4.1'], ['ninja', '1.11.1']])
  const raws = ['zoi:cmake@>=3.25', 'zoi:make@^4', 'zoi:ninja@>=1', 'zoi:meson', 'native:gcc', 'apt:build-essential', 'zoi:meson@>=1', 'zoi:pkgconf']
  expect(missingZoiDependencies(raws, installed)).toEqual(['zoi:cmake@>=3.25', 'zoi:meson', 'zoi:pkgconf'])
  expect(missingZoiDependencies(raws, installed, new Set(['zoi:cmake@>=3.25', 'zoi:pkgconf']))).toEqual(['zoi:meson'])
})
