// The renderer's one cache of answers from main (TanStack Query). Answers stay until live events
// say the data changed (liveUpdates.ts), never by age; failed calls are shown, not retried.
import { QueryClient } from '@tanstack/react-query';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { staleTime: Infinity, gcTime: 60_000, retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
    mutations: { retry: false },
  },
});
