// Posting callbacks the way the vendor does: a FORM POST with the payload in xmlData.

/** application/x-www-form-urlencoded with the payload's exact bytes percent-encoded. */
export function urlencodedBody(payload: Uint8Array, field = 'xmlData'): string {
  let encoded = '';
  for (const byte of payload) {
    const c = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${field}=${encoded}`;
}

export interface Answer {
  status: number;
  text: string;
}

export async function postForm(url: string, payload: Uint8Array | string): Promise<Answer> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: urlencodedBody(bytes),
  });
  return { status: response.status, text: await response.text() };
}

export async function postMultipart(url: string, payload: Uint8Array | string, asFile: boolean): Promise<Answer> {
  const form = new FormData();
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  if (asFile) form.append('xmlData', new Blob([bytes], { type: 'text/xml' }), 'payload.xml');
  else form.append('xmlData', bytes.toString('latin1'));
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, text: await response.text() };
}

export function callbackUrl(base: string, params: Record<string, string>): string {
  return `${base}?${new URLSearchParams(params)}`;
}
