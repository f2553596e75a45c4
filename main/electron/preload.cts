// The only bridge between the sandboxed page and main: the calls of shared/api.ts and the live
// events. No ipcRenderer, no Node, nothing else is exposed. Dropped files are resolved to their
// paths here (webUtils), so main can import them where they are. (A sandboxed preload is
// CommonJS and may require only 'electron'.)
// Its shape is the contract's DesktopBridge (shared/api.ts): a call that carries files and has no
// way across here does not compile.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ApiEvent, DesktopBridge } from '../../shared/api.js';

const bridge: DesktopBridge = {
  call: (method, args) => ipcRenderer.invoke('omv:call', method, args),
  onEvent: (listener) => {
    const forward = (_: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on('omv:event', forward);
    return () => ipcRenderer.removeListener('omv:event', forward);
  },
  /** Dropped files, or none to let the moderator pick them in main's dialog. */
  importFiles: (files) =>
    ipcRenderer.invoke(
      'omv:importFiles',
      files ? files.map((file) => webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0])) : null,
    ),
  exportCsv: (args) => ipcRenderer.invoke('omv:exportCsv', args),
};
contextBridge.exposeInMainWorld('omv', bridge);
// The first start's question (connect.html): where the desk is. Main answers null, or why not.
contextBridge.exposeInMainWorld('omvConnect', {
  choose: (choice: { kind: 'local' } | { kind: 'team'; url: string }) =>
    ipcRenderer.invoke('omv:connect', choice) as Promise<string | null>,
});
