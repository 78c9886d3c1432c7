#!/usr/bin/env bash
# The main job, end to end, on the bundled example registry and with nothing but dist/zoi:
# sync the registry from a local path, build archives onto a "USB stick" folder, install
# offline into an empty --root, and run the installed program.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci
./node_modules/.bin/bun build.ts

work=$(mktemp -d "${TMPDIR:-/tmp}/zoi-demo.XXXXXX")
export HOME="$work/home"
mkdir -p "$HOME" "$work/usb" "$work/new-disk"
zoi() { echo "+ zoi $*" >&2; ./dist/zoi "$@"; }

zoi sync set ./examples/registry
zoi sync
for def in examples/registry/core/{base,hello,libgreet}/*.pkg.lua; do
  zoi package build "$def" -o "$work/usb"
done
zoi install base hello --root "$work/new-disk" --pkg-dir "$work/usb" --offline -y
zoi --root "$work/new-disk" list
echo "+ cat $work/new-disk/etc/os-release" >&2
cat "$work/new-disk/etc/os-release"
echo "+ $work/new-disk/usr/local/bin/hello" >&2
"$work/new-disk/usr/local/bin/hello"
echo "demo finished; everything it wrote is under $work" >&2
