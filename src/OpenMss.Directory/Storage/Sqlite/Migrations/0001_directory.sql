-- The national directory (annuaire). One row per mailbox, carrying its professional and structure as the
-- extraction file does; search columns hold SearchText-normalised values and are indexed for range scans.
-- Import ids are 1..n; published ids start at 2^40 (see SqlDirectoryStore), so a re-import keeps them.
CREATE TABLE dir_mailboxes (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    domain TEXT NOT NULL,
    kind TEXT NOT NULL,
    source INTEGER NOT NULL,
    published_by TEXT,
    liste_rouge INTEGER NOT NULL,
    dematerialisation INTEGER,
    description TEXT,
    phone TEXT,
    responsible TEXT,
    service TEXT,
    pp_id_type TEXT,
    pp_identifier TEXT,
    pp_id_nat TEXT,
    civility TEXT,
    last_name TEXT,
    first_name TEXT,
    category_code TEXT,
    category_label TEXT,
    profession_code TEXT,
    profession_label TEXT,
    skill_code TEXT,
    skill_label TEXT,
    st_id_type TEXT,
    st_identifier TEXT,
    st_name TEXT,
    st_sign TEXT,
    addr_l2 TEXT,
    addr_l3 TEXT,
    addr_number TEXT,
    addr_number_ext TEXT,
    addr_street_type TEXT,
    addr_street TEXT,
    addr_lieu_dit TEXT,
    addr_l6 TEXT,
    postal_code TEXT,
    department TEXT,
    country TEXT,
    pp_key TEXT,
    st_key TEXT,
    sort_name TEXT NOT NULL,
    profession_norm TEXT,
    town_norm TEXT,
    pharmacy_name INTEGER NOT NULL,
    pharmacy INTEGER NOT NULL,
    pp_words TEXT,
    st_words TEXT,
    row_hash INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX dir_mailboxes_address ON dir_mailboxes (address);
CREATE INDEX dir_mailboxes_domain ON dir_mailboxes (domain);
CREATE INDEX dir_mailboxes_pp ON dir_mailboxes (pp_key, st_key);
CREATE INDEX dir_mailboxes_st ON dir_mailboxes (st_key, profession_code);
CREATE INDEX dir_mailboxes_pp_identifier ON dir_mailboxes (pp_identifier);
CREATE INDEX dir_mailboxes_st_identifier ON dir_mailboxes (st_identifier);
CREATE INDEX dir_mailboxes_postal ON dir_mailboxes (postal_code);
CREATE INDEX dir_mailboxes_town ON dir_mailboxes (town_norm);
CREATE INDEX dir_mailboxes_profession ON dir_mailboxes (profession_code);
-- pharmacy = 1 on the ORG mailboxes of pharmacies (name, or a pharmacist works there): the patient portal's list.
CREATE INDEX dir_mailboxes_pharmacy ON dir_mailboxes (pharmacy, postal_code);

-- Name words (field 1: professional, 2: structure) → mailbox; a word prefix is a range scan on term.
CREATE TABLE dir_terms (
    term TEXT NOT NULL,
    mailbox_id INTEGER NOT NULL,
    field INTEGER NOT NULL,
    PRIMARY KEY (term, mailbox_id, field)
) WITHOUT ROWID;

CREATE TABLE dir_operators (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    relay_endpoint TEXT,
    certificate_thumbprint TEXT,
    registered_at INTEGER NOT NULL
);

CREATE TABLE dir_operator_domains (
    domain TEXT PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES dir_operators (id) ON DELETE CASCADE
);

-- Who changed which mailbox, how, when, with what result; never personal data beyond the address.
CREATE TABLE dir_audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    operator TEXT,
    action TEXT NOT NULL,
    address TEXT,
    result TEXT NOT NULL
);
CREATE INDEX dir_audit_address ON dir_audit (address, id);
