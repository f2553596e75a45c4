// Server-sent events read from a fetch body (EventSource cannot send the headers a desk signs in
// with): the `data:` of each event, as events complete, however the bytes were split in transit.

/** The data of each event on the stream, its `data:` lines joined; events without data are skipped. */
export async function* eventData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      buffered += decoder.decode(read.value, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
        const data = buffered
          .slice(0, end)
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice('data: '.length))
          .join('\n');
        buffered = buffered.slice(end + 2);
        if (data !== '') yield data;
      }
    }
  } finally {
    // A reader that stops early (a break, a throw in its loop) lets the connection go.
    await reader.cancel().catch(() => undefined);
  }
}
