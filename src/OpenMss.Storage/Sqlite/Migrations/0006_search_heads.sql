-- Version 6: the head of each search text (see SearchText.Head and the "Indexed body search"
-- section of docs/architecture.md): the first few hundred bytes of the decoded header values and
-- the first 2 KiB of the decoded text parts, AES-256-GCM sealed on their own (purpose
-- openmss/search-head/v1). SEARCH verifies a candidate from its head first: a common word is
-- usually found there, and a head fits in one database page where the whole text spills onto
-- overflow pages. Only when the head cannot decide is the whole text (version 5) read.
-- Search texts written before this version have no head: they are read whole, as before.
CREATE TABLE message_search_heads (
    blob_id INTEGER PRIMARY KEY REFERENCES message_blobs (id) ON DELETE CASCADE,
    data    BLOB NOT NULL
);
