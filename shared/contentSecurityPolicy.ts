// The renderer's Content Security Policy, one string for every place that serves it: the page's
// own meta tag (written into index.html at build time), browser mode's HTTP headers and the
// desktop app's omv:// protocol. Chat content is hostile: no inline script or style, nothing
// loaded from anywhere but the app itself.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
