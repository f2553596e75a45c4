// Composes the running app: the receiver on its port, the API service over the database, the
// event hub the UI listens to, and (in browser mode) the viewer on the same port.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { EventHub } from './api/events.js';
import { createService, type OmvService } from './api/service.js';
import { startReceiver, type Receiver, type ReceiverOptions } from './receiver/server.js';
import type { StoreOutcome } from './store/deliveries.js';
import { createViewerHandler } from './viewer/http.js';

export const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));

export interface App {
  receiver: Receiver;
  service: OmvService;
  events: EventHub;
  /** The browser-mode URL, with the per-launch key; null when the viewer is off. */
  viewerUrl: string | null;
  close(): Promise<void>;
}

function announce(events: EventHub, outcome: StoreOutcome): void {
  events.emit({ type: 'deliveryReceived', status: outcome.status, at: Date.now() });
  if (outcome.status === 'stored' && outcome.counts.newEntries > 0) {
    events.emit({ type: 'entriesAdded', count: outcome.counts.newEntries, rooms: outcome.rooms });
  }
}

export async function startApp(options: Omit<ReceiverOptions, 'onStored' | 'otherRoutes'> & { viewer: boolean; staticDir?: string }): Promise<App> {
  const events = new EventHub();
  let receiver: Receiver | null = null;
  const service = createService(options.db, { callbackUrl: () => receiver?.callbackUrl ?? null });
  const secret = randomBytes(24).toString('base64url');
  const viewer = options.viewer
    ? createViewerHandler({
        db: options.db,
        service,
        events,
        staticDir: options.staticDir ?? RENDERER_DIR.replace(/[/\\]$/, ''),
        secret,
        hosts: () => (receiver ? [`127.0.0.1:${receiver.port}`, `localhost:${receiver.port}`, `[::1]:${receiver.port}`] : []),
      })
    : undefined;
  receiver = await startReceiver({ ...options, onStored: (outcome) => announce(events, outcome), otherRoutes: viewer });
  const viewerUrl = viewer ? `http://127.0.0.1:${receiver.port}/?key=${secret}` : null;
  return { receiver, service, events, viewerUrl, close: () => receiver!.close() };
}
