# The simplest peer of `omv import`, the bench's baseline: expat streaming → executemany into one
# table → FTS5 rebuild. No dedup, no rooms or users tables, no durability beyond SQLite's default.
# usage: python3 baseline_import.py FILE.xml DB.sqlite   (prints the entry count and its peak RSS in KB)
import resource, sqlite3, sys, xml.parsers.expat

src, dst = sys.argv[1], sys.argv[2]
db = sqlite3.connect(dst)
db.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, room TEXT, type TEXT, ts INTEGER, user_id TEXT, content TEXT)")
db.execute("CREATE VIRTUAL TABLE entries_fts USING fts5 (content, content='entries', content_rowid='id')")
rows, room, entry, field, text = [], None, None, None, []

def start(name, attrs):
    global entry, field, text
    if name == "entry": entry = {"type": attrs.get("type")}
    elif name in ("name", "timestamp", "userID", "content"): field, text = name, []

def end(name):
    global room, entry, field
    if name == field:
        value = "".join(text).strip()
        if entry is None: room = value
        else: entry[name] = value
        field = None
    elif name == "entry":
        rows.append((room, entry["type"], int(entry["timestamp"]), entry.get("userID"), entry.get("content")))
        entry = None
        if len(rows) >= 50000: db.executemany("INSERT INTO entries (room, type, ts, user_id, content) VALUES (?,?,?,?,?)", rows); rows.clear()

parser = xml.parsers.expat.ParserCreate()
parser.StartElementHandler, parser.EndElementHandler = start, end
parser.CharacterDataHandler = lambda data: text.append(data) if field else None
with open(src, "rb") as f: parser.ParseFile(f)
db.executemany("INSERT INTO entries (room, type, ts, user_id, content) VALUES (?,?,?,?,?)", rows)
db.execute("INSERT INTO entries_fts (entries_fts) VALUES ('rebuild')")
db.commit()
print(db.execute("SELECT count(*) FROM entries").fetchone()[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
