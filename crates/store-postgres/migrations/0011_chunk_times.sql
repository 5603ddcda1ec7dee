-- When each chunk was written (seconds since the epoch, by the database's clock), so chunks
-- of uploads cut off by a crash, which no sealed file names, can be swept once they are old
-- enough that no upload could still be writing them. Chunks already stored count as new.
ALTER TABLE evidence_chunks
    ADD COLUMN written_at BIGINT NOT NULL DEFAULT (extract(epoch FROM now())::bigint);
