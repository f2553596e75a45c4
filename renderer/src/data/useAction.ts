// The one way a view changes something in main: run('addNote', args) calls it, says whether it is
// running and why it failed, and refreshes what it changed once it is done. A change made on a
// version someone else changed since fails with its conflict (who, what, when) beside the message,
// and what it concerned is read again, so the view shows the current version.
import { useCallback, useState } from 'react';
import type { ApiArgs, ApiValue, PlainMethod } from '../../../shared/api';
import { conflictOf, type Conflict } from '../../../shared/conflict';
import { errorMessage } from '../../../shared/errorMessage';
import { api } from '../transport';
import { reviewChanged } from './liveUpdates';

export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const run = useCallback(async <M extends PlainMethod>(method: M, args: ApiArgs<M>): Promise<ApiValue<M> | undefined> => {
    setPending(true);
    setError(null);
    setConflict(null);
    try {
      const value = await (api[method] as (args: ApiArgs<M>) => Promise<ApiValue<M>>)(args);
      await reviewChanged();
      return value;
    } catch (failure) {
      setError(errorMessage(failure));
      const found = conflictOf(failure);
      if (found) {
        setConflict(found);
        await reviewChanged();
      }
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  const clearError = useCallback(() => {
    setError(null);
    setConflict(null);
  }, []);
  return { run, pending, error, conflict, clearError };
}
