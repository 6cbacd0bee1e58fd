-- schema.sql — the tables of a heapreel trace (format 2; schema/FORMAT.md).
-- The single definition: the build embeds this file into the writer and the
-- reader checks for these tables. Events live in `chunks` (see FORMAT.md);
-- everything else is a small dimension table readable with plain SQL.
-- Objects and frames have no table: they live in their events, and a reader
-- sees them as the virtual tables `objects` and `frames` (columns below,
-- after `chunks`), which heapreel and the heapreel_events extension provide.

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

-- Python stacks (--detail alloc), interned as a tree: a stack is its
-- innermost frame's location plus the stack of its caller (parent, NULL for
-- an outermost frame). Site events refer to them by id.
CREATE TABLE stacks (
  id        INTEGER PRIMARY KEY,
  parent    INTEGER,               -- stack id of the caller, NULL: outermost
  location  INTEGER NOT NULL REFERENCES locations(id)
);

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

-- The event stream: deflate-compressed columnar chunks (FORMAT.md).
CREATE TABLE chunks (
  id          INTEGER PRIMARY KEY,
  first_seq   INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL,
  first_step  INTEGER NOT NULL,
  last_step   INTEGER NOT NULL,
  nevents     INTEGER NOT NULL,
  encoding    INTEGER NOT NULL,      -- 2: FORMAT.md columnar, raw deflate + CRC-32; 1: zlib (2.0, 1.x)
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

-- Not tables of the file: the virtual tables a reader provides, made from
-- the events (one row per alloc or track event, one per call event).
--
-- objects(id, address, type, size, alloc_seq, alloc_step, free_seq,
--         free_step, free_by_gc, preexisting)
--   id           the object's trace-assigned id, never reused
--   address      what id() returned (may be reused)
--   type         types(id), NULL when unknown
--   size         latest size: of its alloc or track event, or its last resize
--   alloc_seq, alloc_step   its alloc or track event
--   free_seq, free_step     its free event; NULL: alive when the trace ends
--   free_by_gc   1: freed by the cyclic collector
--   preexisting  1: from a track event (existed before it was seen)
--
-- frames(id, location, parent, thread, call_seq, call_step, return_seq,
--        return_step)
--   location     locations(id) of the first line, NULL when unknown
--   parent       frame id, NULL for an outermost frame
--   thread       threads(id)
--   call_seq, call_step       its call event
--   return_seq, return_step   its return event; NULL while (or if never) returned
--
-- The analyzer keeps what it gathered for each, once, when it can write the
-- file and a query read that relation (FORMAT.md, "Cached index"):
--   CREATE TABLE object_index(first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL,
--                             data BLOB NOT NULL);
--   CREATE TABLE frame_index(first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL,
--                            data BLOB NOT NULL);
-- with meta `object_index_check` and `frame_index_check` (an older heapreel
-- wrote one `index_check` for both). A reader uses a relation's blocks only
-- when they match its check.
