/**
 * Node built-ins whose first load builds Node's stream machinery (several milliseconds of
 * start-up each), required on first use instead of imported: a command that never hashes,
 * inflates or pipes never pays for them, and `zoi --version` loads none.
 */
export const crypto = (): typeof import('node:crypto') => require('node:crypto')
export const zlib = (): typeof import('node:zlib') => require('node:zlib')
export const stream = (): typeof import('node:stream') => require('node:stream')
