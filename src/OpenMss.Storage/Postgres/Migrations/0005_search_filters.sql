-- Version 5: per-message search filter for IMAP SEARCH BODY/TEXT (see SearchFilter.cs and the
-- "Indexed body search" section of docs/architecture.md). A Bloom filter of keyed (AES-derived)
-- hashes of the case-folded character trigrams of the message's decoded headers and text parts.
-- NULL for messages stored before this version: SEARCH scans those as before.
--
-- message_search_texts: the same decoded header values and text parts, per stored message bytes
-- (shared by copies, deleted with them), AES-256-GCM sealed like the message (purpose
-- openmss/search-text/v1): a candidate is verified exactly against it without parsing MIME
-- again. In its own table so that the filter scan reads small rows.
ALTER TABLE messages ADD COLUMN search_filter bytea;
ALTER TABLE messages ALTER COLUMN search_filter SET STORAGE EXTERNAL;

CREATE TABLE message_search_texts (
    blob_id bigint PRIMARY KEY REFERENCES message_blobs (id) ON DELETE CASCADE,
    data    bytea NOT NULL
);
ALTER TABLE message_search_texts ALTER COLUMN data SET STORAGE EXTERNAL;
