/** Where the compiled smart-whisper addon is (or will be) for this machine's CPU. */
export function addonPath(): string;
/** Builds the addon when it is missing; `{ path: null, reason }` when it cannot be built. */
export function ensureWhisperAddon(options?: { say?: (message: string) => void }): { path: string; reason?: undefined } | { path: null; reason: string };
export function cpuFlags(): string[];
