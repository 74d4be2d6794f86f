-- Version 7: the durable outbox of post-delivery events (see "Delivery events and the outbox" in
-- docs/architecture.md). One row per delivered copy and per registered durable consumer, written
-- in the delivery's own transaction; the consumer deletes it once handled. Ids are never reused
-- (AUTOINCREMENT): consumers are idempotent by outbox id. The message's thread identifiers and
-- sender are AES-256-GCM sealed in fields (purpose openmss/delivery-outbox/v1), as envelopes are.
-- No foreign key: deleting a mailbox must not wait for its consumers; a row whose mailbox is gone
-- is dropped when leased.
CREATE TABLE delivery_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    consumer    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    mailbox_id  INTEGER NOT NULL,
    folder_id   INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    fields      BLOB NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER
);
CREATE INDEX delivery_outbox_consumer ON delivery_outbox (consumer, id);
