/** An error's message, for people: what crosses a transport or lands in a log line. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
