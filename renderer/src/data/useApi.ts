// The one way a view reads from main: useApi('search', { filter, limit }) answers with the value,
// the error (a message to show) and whether it is loading. A call whose answer is no longer
// wanted (the moderator typed on, closed the view) is aborted. Answers are cached by method and
// arguments, and refreshed when live events say the data behind them changed.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { ApiArgs, ApiValue, PlainMethod } from '../../../shared/api';
import { api } from '../transport';

export interface ApiState<T> {
  data: T | undefined;
  /** Why the call failed, for the moderator. */
  error: string | null;
  loading: boolean;
  /** An earlier answer is shown while the new one loads. */
  stale: boolean;
}

export interface UseApiOptions {
  enabled?: boolean;
  /** Keep showing the previous answer while arguments change (search results, the chart). */
  keepPrevious?: boolean;
}

export const apiKey = <M extends PlainMethod>(method: M, args: ApiArgs<M>) => [method, args] as const;

export function useApi<M extends PlainMethod>(method: M, args: ApiArgs<M>, options: UseApiOptions = {}): ApiState<ApiValue<M>> {
  const call = api[method] as (args: ApiArgs<M>, signal?: AbortSignal) => Promise<ApiValue<M>>;
  const query = useQuery({
    queryKey: apiKey(method, args),
    queryFn: ({ signal }) => call(args, signal),
    enabled: options.enabled ?? true,
    ...(options.keepPrevious ? { placeholderData: keepPreviousData } : {}),
  });
  return {
    data: query.data,
    error: query.error ? query.error.message : null,
    loading: query.isFetching,
    stale: query.isPlaceholderData,
  };
}

/**
 * The same value while its JSON is the same: an object built on every render (a filter) made
 * stable enough to key effects and callbacks on.
 */
export function useStableValue<T extends object>(value: T): T {
  const json = JSON.stringify(value);
  return useMemo(() => JSON.parse(json) as T, [json]);
}
