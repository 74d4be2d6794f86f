-- The patient registry of the patient space (docs/patients.md). One row per patient, keyed by the
-- canonical INS matricule (15 characters, upper-case Corsican letter): a lookup is one primary-key
-- index seek, whatever the registry's size. Names, date of birth, insurer e-mail and card serial are
-- one AES-256-GCM record (identity); the personal e-mail chosen at activation is sealed on its own.
-- state: 1 activated, 2 not-activated, 3 opposed, 4 closed.
CREATE TABLE pat_patients (
    ins text NOT NULL PRIMARY KEY,
    state smallint NOT NULL,
    state_changed_at bigint NOT NULL,
    identity bytea NOT NULL,
    personal_email bytea
);
