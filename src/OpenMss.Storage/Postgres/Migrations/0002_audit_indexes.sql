-- Version 2: the audit trail is searched by mailbox, by actor and by period
-- (`openmss audit`, a patient asking who read their messages) without a full scan.

CREATE INDEX audit_events_mailbox_at ON audit_events (mailbox, at);
CREATE INDEX audit_events_actor_at ON audit_events (actor, at);
CREATE INDEX audit_events_at ON audit_events (at);
