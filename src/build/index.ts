/**
 * Building packages (`zoi package build`, source installs): a .pkg.lua (or a `.zsa` source
 * bundle) in, a reproducible `.pkg.tar.zst` or `.zpa` with its sidecars out; `package bundle`. Other modules import only from here.
 */
export { ARCHIVE_FORMATS, buildPackage, type ArchiveFormat, type BuildOptions, type BuiltArchive } from './build-package.ts'
export { bundleSource, unpackBundle, PREPARED_MARKER, type BuiltBundle, type BundleOptions } from './bundle-source.ts'
export { chooseBuildType, chooseSubs, chooseVersion } from './build-choices.ts'
