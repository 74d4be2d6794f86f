-- Version 4: IMAP subscriptions (RFC 3501 SUBSCRIBE/UNSUBSCRIBE/LSUB). Every folder is
-- subscribed unless a row says otherwise; a row can also subscribe a name that has no folder
-- (RFC 3501 §6.3.6 allows it), so a client's subscription list survives a folder's deletion.

CREATE TABLE folder_subscriptions (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    subscribed INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, name)
) WITHOUT ROWID;

-- A professional's own mailbox is found by its owner (the idNat_PS) at every login.
CREATE INDEX mailboxes_owner ON mailboxes (owner_id) WHERE owner_id IS NOT NULL;
