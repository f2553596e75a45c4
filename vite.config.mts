import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './shared/contentSecurityPolicy.ts';

/** The page's CSP meta tag gets the one policy every server of the renderer sends. */
const contentSecurityPolicy: Plugin = {
  name: 'omv-content-security-policy',
  transformIndexHtml: (html) => html.replace('%OMV_CSP%', CONTENT_SECURITY_POLICY),
};

// The renderer: built into dist/renderer, served by `omv serve` (browser mode) and by the desktop
// app's omv:// protocol. No inline scripts, so the strict CSP holds.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), contentSecurityPolicy],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
});
