-- derive_rows.sql — objects and frames rows derived from the events table in
-- plain SQL, as format 1 stored them: one object per alloc or track event
-- (size: its last resize, else its own; free: its last free event), one
-- frame per call event (return: its last return event). Makes TEMP tables
-- ev (those events), want_objects and want_frames; then the checks below count the rows where
-- the `objects` / `frames` relations and these differ (0 and 0 when equal).
CREATE TEMP TABLE ev AS
  SELECT seq, step, kind, object, address, type, size, flags, frame, location, parent, thread
  FROM events WHERE kind IN ('alloc', 'track', 'resize', 'free', 'call', 'return');
CREATE TEMP TABLE want_objects AS
WITH born AS (
  SELECT object AS id, address, nullif(type, 0) AS type, size, seq AS alloc_seq,
         step AS alloc_step, kind = 'track' AS preexisting
  FROM ev WHERE kind IN ('alloc', 'track')),
resized AS (SELECT object AS id, size, max(seq) FROM ev WHERE kind = 'resize' GROUP BY object),
freed AS (SELECT object AS id, seq, step, (flags & 1) AS gc, max(seq) FROM ev
          WHERE kind = 'free' GROUP BY object)
SELECT b.id, b.address, b.type, coalesce(r.size, b.size) AS size, b.alloc_seq, b.alloc_step,
       f.seq AS free_seq, f.step AS free_step, coalesce(f.gc, 0) AS free_by_gc, b.preexisting
FROM born b LEFT JOIN resized r ON r.id = b.id LEFT JOIN freed f ON f.id = b.id;
CREATE TEMP TABLE want_frames AS
WITH returned AS (SELECT frame AS id, seq, step, max(seq) FROM ev WHERE kind = 'return'
                  GROUP BY frame)
SELECT c.frame AS id, nullif(c.location, 0) AS location, nullif(c.parent, 0) AS parent, c.thread,
       c.seq AS call_seq, c.step AS call_step, r.seq AS return_seq, r.step AS return_step
FROM ev c LEFT JOIN returned r ON r.id = c.frame WHERE c.kind = 'call';
SELECT ((SELECT count(*) FROM (SELECT * FROM objects EXCEPT SELECT * FROM want_objects))
        + (SELECT count(*) FROM (SELECT * FROM want_objects EXCEPT SELECT * FROM objects)))
       || ' ' ||
       ((SELECT count(*) FROM (SELECT * FROM frames EXCEPT SELECT * FROM want_frames))
        + (SELECT count(*) FROM (SELECT * FROM want_frames EXCEPT SELECT * FROM frames)))
       || ' ' || (SELECT count(*) FROM want_objects) || ' ' || (SELECT count(*) FROM want_frames)
       AS differ;
