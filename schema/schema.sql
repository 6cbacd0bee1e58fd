-- schema.sql — the tables of a heapreel trace (format 1.1).
-- The single definition: the build embeds this file into the writer and the
-- reader checks for these tables. Events live in `chunks` (see FORMAT.md);
-- everything else is a small dimension table readable with plain SQL.

-- Run facts, key/value: format_major, format_minor, program, argv (JSON array),
-- python_version, start_time (ISO 8601 UTC), duration_s, exit_status,
-- complete ('1' finished, '0' cut short), detail ('full' or 'alloc'), ...
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT
) WITHOUT ROWID;

-- Interned strings: names, file paths, type names, labels, messages.
CREATE TABLE strings (
  id    INTEGER PRIMARY KEY,
  text  TEXT NOT NULL
);

-- Code locations: file, line, function (string ids).
CREATE TABLE locations (
  id        INTEGER PRIMARY KEY,
  file      INTEGER NOT NULL REFERENCES strings(id),
  line      INTEGER NOT NULL,
  function  INTEGER NOT NULL REFERENCES strings(id)
);

CREATE TABLE types (
  id    INTEGER PRIMARY KEY,
  name  INTEGER NOT NULL REFERENCES strings(id)
);

CREATE TABLE threads (
  id         INTEGER PRIMARY KEY,
  name       INTEGER REFERENCES strings(id),
  native_id  INTEGER
);

-- Source text of recorded files, so a trace is self-contained.
CREATE TABLE sources (
  file  INTEGER PRIMARY KEY REFERENCES strings(id),
  text  TEXT NOT NULL
);

-- Frames, from call and return events.
CREATE TABLE frames (
  id           INTEGER PRIMARY KEY,
  location     INTEGER REFERENCES locations(id),
  parent       INTEGER,              -- frame id, NULL for an outermost frame
  thread       INTEGER,
  call_seq     INTEGER NOT NULL,
  call_step    INTEGER NOT NULL,
  return_seq   INTEGER,              -- NULL while (or if never) returned
  return_step  INTEGER
);

-- Python stacks (--detail alloc), interned as a tree: a stack is its
-- innermost frame's location plus the stack of its caller (parent, NULL for
-- an outermost frame). Site events refer to them by id.
CREATE TABLE stacks (
  id        INTEGER PRIMARY KEY,
  parent    INTEGER,               -- stack id of the caller, NULL: outermost
  location  INTEGER NOT NULL REFERENCES locations(id)
);

-- Objects, from alloc, track, resize and free events. An object's id is trace-assigned and
-- never reused; its address is what id() returned and may be reused.
CREATE TABLE objects (
  id          INTEGER PRIMARY KEY,
  address     INTEGER NOT NULL,
  type        INTEGER REFERENCES types(id),
  size        INTEGER NOT NULL,      -- latest size: of its alloc or track event, or its last resize
  alloc_seq   INTEGER NOT NULL,
  alloc_step  INTEGER NOT NULL,
  free_seq    INTEGER,               -- NULL: alive when the trace ends
  free_step   INTEGER,
  free_by_gc  INTEGER NOT NULL DEFAULT 0,
  preexisting INTEGER NOT NULL DEFAULT 0  -- 1: from a track event (existed before it was seen)
);
-- No index on address (FORMAT.md): a lookup by address scans the table.

-- Mark events, for lookup by label.
CREATE TABLE markers (
  seq    INTEGER PRIMARY KEY,
  step   INTEGER NOT NULL,
  label  TEXT NOT NULL
);
CREATE INDEX markers_label ON markers(label);

-- What the program wrote to sys.stdout (stream 1) and sys.stderr (stream 2),
-- one row per write call, in the order written (rowid). seq is the last
-- event before the write (0: none yet), step the step it happened in. Since
-- format 1.1; readers treat a trace without this table as having no output.
CREATE TABLE output (
  seq     INTEGER NOT NULL,
  step    INTEGER NOT NULL,
  stream  INTEGER NOT NULL,
  text    TEXT NOT NULL
);
CREATE INDEX output_step ON output(step);

-- The event stream: zlib-compressed columnar chunks (FORMAT.md).
CREATE TABLE chunks (
  id          INTEGER PRIMARY KEY,
  first_seq   INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL,
  first_step  INTEGER NOT NULL,
  last_step   INTEGER NOT NULL,
  nevents     INTEGER NOT NULL,
  encoding    INTEGER NOT NULL,      -- 1: FORMAT.md columnar + zlib
  data        BLOB NOT NULL
);
CREATE UNIQUE INDEX chunks_first_seq ON chunks(first_seq);
CREATE INDEX chunks_first_step ON chunks(first_step, last_step);

-- State snapshots every N steps, for bounded replay (encoding: FORMAT.md).
CREATE TABLE keyframes (
  step  INTEGER PRIMARY KEY,
  seq   INTEGER NOT NULL,            -- the snapshot holds events 1..seq
  data  BLOB NOT NULL
);
