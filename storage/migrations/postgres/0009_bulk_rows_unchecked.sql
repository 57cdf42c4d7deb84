-- Figures and staff absent arrive by COPY, about 1,400 rows a release, in the transaction that
-- writes their release (and its workforce part); nothing deletes a release. PostgreSQL checks a
-- foreign key row by row, each a locking lookup of the parent row: with the two keys, storing
-- took 40% longer and bench/ingest.py measured 3.2x the bare read, against 2.5x without them
-- (goal 3x). SQLite keeps both keys, so the storage tests, which run on both engines, still catch
-- a row written without its release.
ALTER TABLE figures DROP CONSTRAINT figures_release_id_fkey;
ALTER TABLE staff_absent DROP CONSTRAINT staff_absent_release_id_fkey;
