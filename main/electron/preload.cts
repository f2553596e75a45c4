// The only bridge between the sandboxed page and main: exactly the calls of shared/api.ts, plus
// the two intents that need main's dialogs. No ipcRenderer, no Node, nothing else is exposed.
// (A sandboxed preload is CommonJS and may require only 'electron'.)
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

contextBridge.exposeInMainWorld('omv', {
  call: (method: string, args: unknown) => ipcRenderer.invoke('omv:call', method, args),
  onEvent: (listener: (event: unknown) => void) => {
    const forward = (_: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on('omv:event', forward);
    return () => ipcRenderer.removeListener('omv:event', forward);
  },
  importFiles: () => ipcRenderer.invoke('omv:import'),
  exportCsv: (filter: unknown) => ipcRenderer.invoke('omv:export', filter),
});
