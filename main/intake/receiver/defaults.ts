// The receiver's defaults, apart from the receiver: the CLI's help names them without loading it.
export const DEFAULT_PORT = 8420;
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
