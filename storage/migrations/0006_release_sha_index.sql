-- Every ingest first asks whether these bytes were stored before: answer it from an index.
CREATE INDEX releases_sha256 ON releases (sha256);
