// Whether a --store value names a PostgreSQL database rather than a SQLite file (apart from the
// engine, so that telling them apart loads no PostgreSQL driver).
export const isPostgresUrl = (store: string) => /^postgres(ql)?:\/\//i.test(store);
