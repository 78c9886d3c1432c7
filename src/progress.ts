/**
 * Progress events. Library code never prints: it calls a Report with these events and the
 * CLI decides how (or whether) to show them. The shape follows isomorphic-git's onProgress.
 */

export type Phase = 'sync' | 'index' | 'resolve' | 'fetch' | 'verify' | 'extract' | 'commit' | 'build' | 'mirror' | 'bundle'

/** What `loaded`/`total` count: bytes get sizes, rate and ETA; the others are shown as counts. */
export type ProgressUnit = 'bytes' | 'objects' | 'files' | 'packages'

export type ProgressEvent =
  | { kind: 'phase'; phase: Phase; text: string; total?: number }
  | { kind: 'advance'; phase: Phase; loaded: number; total?: number; item?: string; unit?: ProgressUnit }
  | { kind: 'warn'; text: string; code?: string }
  | { kind: 'info'; text: string }

export type Report = (event: ProgressEvent) => void

export const silent: Report = () => {}
