-- How many mailboxes each name or town word has, per term field: a search looks up the words it is given
-- here (a short range scan), starts from the rarest one and checks the others by point probes into
-- dir_terms, instead of counting common words in dir_terms or reading the mailbox rows of every candidate.
-- Rebuilt by each import (a staging table swapped in with the others), kept up to date by publications.
CREATE TABLE dir_term_stats (
    term text COLLATE "C" NOT NULL,
    field smallint NOT NULL,
    n bigint NOT NULL
);
CREATE UNIQUE INDEX dir_term_stats_term ON dir_term_stats (term, field);
INSERT INTO dir_term_stats (term, field, n) SELECT term, field, COUNT(*) FROM dir_terms GROUP BY term, field;
ANALYZE dir_term_stats;

-- The words of each mailbox tagged with their term field (1dupont, 2pharmacie, 3paris) under an inverted
-- index: a search whose words are each a short list of known words intersects their posting lists at once.
CREATE INDEX dir_mailboxes_words ON dir_mailboxes USING gin ((array_cat(array_cat(
    COALESCE(string_to_array('1' || replace(pp_words, ' ', ' 1'), ' '), '{}'::text[]),
    COALESCE(string_to_array('2' || replace(st_words, ' ', ' 2'), ' '), '{}'::text[])),
    COALESCE(string_to_array('3' || replace(town_norm, ' ', ' 3'), ' '), '{}'::text[]))));
