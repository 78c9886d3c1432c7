/**
 * Where the Lua snapshot embedded in the binary is (lua-snapshot.ts). build.ts makes the
 * snapshot and replaces this module with one that embeds it; run from its sources, zoi has none.
 */
const snapshotFile: string | undefined = undefined
export default snapshotFile
