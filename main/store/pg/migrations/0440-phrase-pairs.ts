// A phrase of common words was found as every entry holding all its words, each then read to see
// whether they stand together: seconds at 10M entries for "hello game" (see ../textMatch.ts). Now
// an index holds every two consecutive tokens of an entry as one lexeme ("~hello~game"), so a
// phrase is looked up as its pairs. The index is an expression over `words` (omv_pairs), not a
// column: no entry is rewritten, the writers and the copy are unchanged, and `omv check` keeps
// checking `words` alone. Its limit is textMatch.ts's WORDS_INDEXED_BYTES: words larger than that
// have no pairs, and, from this step on, no lexemes either (the entries matched by their words
// alone), so the few entries that had lexemes with such words lose them here.
//
// The price is on writes: each entry's pairs are computed and added to an index whose keys are
// mostly new (at 10M entries the bench stored 0.81× as fast through the receiver, imports 0.65×).
// Building the index reads every entry: 6.6 minutes for 10M entries on a 2-core machine, while
// entries cannot be written (README). ANALYZE then gives the planner the pairs' statistics.
import type pg from 'pg';

export const version = 440;

export async function up(client: pg.ClientBase): Promise<void> {
  await client.query(`
    CREATE FUNCTION omv_pairs(words text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT CASE WHEN octet_length(words) > 250000 THEN NULL ELSE (
        SELECT coalesce(array_to_tsvector(array_agg(DISTINCT left(pair, 500))), ''::tsvector)
        FROM (SELECT '~' || token || '~' || lead(token) OVER (ORDER BY n) AS pair
              FROM unnest(string_to_array(btrim(words, ' '), ' ')) WITH ORDINALITY AS t (token, n)) AS pairs
        WHERE pair IS NOT NULL) END
    $$;
    UPDATE entries SET lexemes = NULL WHERE lexemes IS NOT NULL AND octet_length(words) > 250000;
    CREATE INDEX entries_pairs ON entries USING gin (omv_pairs(words));
    ANALYZE entries`);
}
