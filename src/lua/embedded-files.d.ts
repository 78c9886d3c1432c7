// Types for the files src/lua imports through Bun's import attributes: `with { type: 'file' }`
// gives a path (inside the compiled binary: /$bunfs/…), `with { type: 'text' }` the file's text.
declare module '*.wasm' {
  const path: string
  export default path
}

declare module '*.lua' {
  const text: string
  export default text
}
