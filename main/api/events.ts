// Events for the UI (new entries, deliveries, import progress): main emits, transports forward.
import type { ApiEvent } from '../../shared/api.js';

export class EventHub {
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ApiEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
