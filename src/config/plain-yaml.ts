/**
 * Plain YAML read with Bun's native parser. The yaml library costs milliseconds of start-up
 * before it has parsed a line (tens on a cold first use), and every command reads the config
 * and every sync a repo.yaml. The library stays the reader of whatever this declines, so its
 * behaviour and its located errors are unchanged there: anchors, aliases, tags, directives,
 * document markers and merge keys (which it limits or reads differently), a top-level key given
 * twice (which it rejects; the native parser keeps the last one), and any text Bun rejects.
 */

/** The value of a plain YAML document, or undefined when the yaml library must read it. */
export function parsePlainYaml(text: string): { value: unknown } | undefined {
  if (/[&*!%]|<<|^(---|\.\.\.)/m.test(text) || repeatsTopLevelKey(text)) return undefined
  try {
    return { value: Bun.YAML.parse(text) }
  } catch {
    return undefined
  }
}

function repeatsTopLevelKey(text: string): boolean {
  const seen = new Set<string>()
  for (const m of text.matchAll(/^([^\s#\-'"?[{][^:\n]*):(?:\s|$)/gm)) {
    const key = m[1]!.trimEnd()
    if (seen.has(key)) return true
    seen.add(key)
  }
  return false
}
