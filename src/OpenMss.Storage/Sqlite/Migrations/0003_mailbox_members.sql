-- Version 3: the professionals designated to use an organisational (ORG) or practice (CAB)
-- mailbox. Checked at every login and every mailbox opening, hence the primary key
-- on (mailbox, member) and the index to find a professional's mailboxes.

CREATE TABLE mailbox_members (
    mailbox_id   INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    member_id    TEXT NOT NULL,           -- idNat_PS of the professional
    display_name TEXT,
    role         TEXT NOT NULL,           -- pharmacist, technician, other
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, member_id)
) WITHOUT ROWID;
CREATE INDEX mailbox_members_member ON mailbox_members (member_id);
