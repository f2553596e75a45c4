// A read's time limit and what is said when a read runs past it, apart from the pool that
// enforces it in the desk: the CLI names the default in its help, and omv search (which runs its
// query in its own process) says the same, without loading the pool and child_process with it.
import type { ReadMethod } from './readCalls.js';

export const DEFAULT_QUERY_TIMEOUT_MS = 5000;

const WHAT: Partial<Record<ReadMethod, string>> = {
  search: 'This search',
  searchPage: 'This search',
  countEntries: 'Counting these entries',
  histogram: 'The activity chart',
  timeline: 'This page of the timeline',
  userActivity: "This user's activity",
};

export function timeoutMessage(method: ReadMethod, timeoutMs: number): string {
  const what = WHAT[method] ?? `The ${method} request`;
  return `${what} took longer than ${timeoutMs / 1000} s and was stopped. Narrow it: pick a room, a user (from:) or a time range (after:, before:), or use longer words.`;
}
