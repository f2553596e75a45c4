// The receiver is never held up by a moderator's heavy work: callbacks arrive at 20/s on a
// database of 500,000 entries while 10,000 watch terms match every delivery, 200 saved searches
// are saved and counted, every entry is tagged at once, and `omv purge` removes the older half.
// Every callback is answered 200; the answer times per phase go in the summary (and in `npm run
// bench` beside the idle figure: tests do not pass or fail on speed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordStress, setting } from '../support/stressReport.js';
import { tempDir } from '../support/tmp.js';
import { phaseRows, WriterLoad } from '../support/writerLoad.js';

const ENTRIES = setting('OMV_WRITER_LOAD_ENTRIES', 500_000);

test(
  `callbacks at 20/s beside a moderator's heavy work on ${ENTRIES.toLocaleString('en-US')} entries: every one answered 200`,
  { timeout: 30 * 60_000 },
  async () => {
    const load = await WriterLoad.start(tempDir(), { entries: ENTRIES });
    try {
      const figures = await load.moderatorsDay();
      recordStress('5-writer', phaseRows(figures));
      for (const f of figures) {
        assert.ok(f.callbacks > 0, `${f.phase}: callbacks were answered`);
        assert.equal(f.refused, 0, `${f.phase}: every callback answered 200`);
      }
      const tagged = await load.api<Array<{ name: string; uses: number }>>('tags');
      assert.ok(tagged.find((t) => t.name === 'spam')!.uses >= ENTRIES / 3, 'the tag-all tagged the entries (the newer half is left)');
    } finally {
      load.close();
    }
  },
);
