-- OpenMSS store, SQLite, version 1: the base schema.
-- Instants are INTEGER microseconds since the Unix epoch (UTC). Addresses are stored lower-case.

CREATE TABLE store_meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE mailboxes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    address      TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,           -- PER, ORG, APP, CAB
    display_name TEXT,
    owner_id     TEXT,
    created_at   INTEGER NOT NULL
);

CREATE TABLE folders (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id     INTEGER NOT NULL REFERENCES mailboxes (id),
    name           TEXT NOT NULL,
    special_use    TEXT,                  -- RFC 6154
    uid_validity   INTEGER NOT NULL,
    uid_next       INTEGER NOT NULL,
    highest_modseq INTEGER NOT NULL,
    message_count  INTEGER NOT NULL,
    UNIQUE (mailbox_id, name)
);

-- The bytes of a message (AES-GCM sealed), stored once for all the copies of one delivery and
-- for all the queue entries of one outbound message; deleted when refs reaches 0.
CREATE TABLE message_blobs (
    id   INTEGER PRIMARY KEY,
    refs INTEGER NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);

CREATE TABLE messages (
    folder_id     INTEGER NOT NULL REFERENCES folders (id),
    uid           INTEGER NOT NULL,
    blob_id       INTEGER NOT NULL,       -- message_blobs.id, reference-counted
    flags         INTEGER NOT NULL,       -- MessageFlags bitmask
    keywords      TEXT,                   -- space-separated IMAP keywords
    internal_date INTEGER NOT NULL,
    size          INTEGER NOT NULL,
    modseq        INTEGER NOT NULL,       -- RFC 7162
    envelope      BLOB NOT NULL,          -- AES-GCM sealed envelope fields
    PRIMARY KEY (folder_id, uid)
) WITHOUT ROWID;

CREATE TABLE queue_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    mail_from       TEXT NOT NULL,
    domain          TEXT NOT NULL,
    envid           TEXT,
    ret             INTEGER NOT NULL,     -- RET=FULL
    size            INTEGER NOT NULL,
    blob_id         INTEGER NOT NULL,
    queued_at       INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    delay_notified  INTEGER NOT NULL,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER
);
CREATE INDEX queue_entries_due ON queue_entries (next_attempt_at, id);

CREATE TABLE queue_recipients (
    id         INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES queue_entries (id),
    address    TEXT NOT NULL,
    notify     INTEGER NOT NULL,          -- DsnNotify bitmask (RFC 3461)
    orcpt      TEXT,
    state      INTEGER NOT NULL,          -- 0 pending, 1 delivered, 2 failed
    status     TEXT,
    diagnostic TEXT
);
CREATE INDEX queue_recipients_entry ON queue_recipients (entry_id);

CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    mailbox        TEXT,
    action         TEXT NOT NULL,
    result         TEXT NOT NULL,
    client_address TEXT,
    detail         TEXT
);
