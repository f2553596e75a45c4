// The one way a view changes something in main: run('addNote', args) calls it, says whether it is
// running and why it failed, and refreshes what it changed once it is done.
import { useCallback, useState } from 'react';
import type { ApiArgs, ApiValue, PlainMethod } from '../../../shared/api';
import { errorMessage } from '../../../shared/errorMessage';
import { api } from '../transport';
import { reviewChanged } from './liveUpdates';

export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <M extends PlainMethod>(method: M, args: ApiArgs<M>): Promise<ApiValue<M> | undefined> => {
    setPending(true);
    setError(null);
    try {
      const value = await (api[method] as (args: ApiArgs<M>) => Promise<ApiValue<M>>)(args);
      await reviewChanged();
      return value;
    } catch (failure) {
      setError(errorMessage(failure));
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { run, pending, error, clearError: useCallback(() => setError(null), []) };
}
