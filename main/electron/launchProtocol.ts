// What the desktop app's main process tells its launcher (scripts/start.mjs) on standard output.
// Plain Node: the launcher imports this without Electron.

/** The window is on screen: the launch worked. */
export const READY_LINE = 'omv: window ready';
/** Another instance holds the lock; its window was brought forward and this one quits. */
export const ALREADY_RUNNING_LINE = 'omv: already running: brought its window forward';
