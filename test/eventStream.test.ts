// The desk's reading of server-sent events: whole events only, however the bytes were cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventData } from '../shared/eventStream.js';

const streamOf = (chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });

async function read(chunks: Uint8Array[]): Promise<string[]> {
  const seen: string[] = [];
  for await (const data of eventData(streamOf(chunks))) seen.push(data);
  return seen;
}

test('events cut anywhere, even inside a character, come out whole; comments and empty events are skipped', async () => {
  const wire = new TextEncoder().encode(': keep-alive\n\ndata: {"room":"Zoë 🌍"}\n\nevent: x\ndata: a\ndata: b\n\ndata: unfinished');
  for (let cut = 1; cut < wire.length; cut++) {
    assert.deepEqual(await read([wire.slice(0, cut), wire.slice(cut)]), ['{"room":"Zoë 🌍"}', 'a\nb'], `cut at byte ${cut}`);
  }
  assert.deepEqual(await read([...wire].map((byte) => Uint8Array.of(byte))), ['{"room":"Zoë 🌍"}', 'a\nb']);
});
