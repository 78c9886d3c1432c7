/** Byte counts as people read them: `688 B`, `1.5 MiB` (binary units, as pacman prints). */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let n = bytes
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`
}
