/** Makes sure a mediasoup worker binary is where mediasoup looks for it (building it when missing). */
export function ensureMediasoupWorker(options?: { say?: (message: string) => void; allowBuild?: boolean }): Promise<{ path: string; reason?: undefined } | { path: null; reason: string }>;
export function defaultWorkerPath(): string;
