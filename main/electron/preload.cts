// The only bridge between the sandboxed page and main: the calls of shared/api.ts and the live
// events. No ipcRenderer, no Node, nothing else is exposed. Dropped files are resolved to their
// paths here (webUtils), so main can import them where they are. (A sandboxed preload is
// CommonJS and may require only 'electron'.)
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';

contextBridge.exposeInMainWorld('omv', {
  call: (method: string, args: unknown) => ipcRenderer.invoke('omv:call', method, args),
  onEvent: (listener: (event: unknown) => void) => {
    const forward = (_: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on('omv:event', forward);
    return () => ipcRenderer.removeListener('omv:event', forward);
  },
  /** Dropped files, or none to let the moderator pick them in main's dialog. */
  importFiles: (files?: File[]) => ipcRenderer.invoke('omv:importFiles', files ? files.map((file) => webUtils.getPathForFile(file)) : null),
  exportCsv: (args: unknown) => ipcRenderer.invoke('omv:exportCsv', args),
});
