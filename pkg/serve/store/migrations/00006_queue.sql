-- Re-evaluation asks, at every start, whether a namespace holds decisions
-- made under another trust than the server's: this index answers per
-- namespace from the index alone (the query reads trust_sha256 < ? OR
-- trust_sha256 > ?, two ranges), instead of scanning every record with its
-- report.

-- +goose Up
CREATE INDEX verifications_by_trust ON verifications (namespace, trust_sha256, id);

-- +goose Down
DROP INDEX verifications_by_trust;
