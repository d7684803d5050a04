-- Re-evaluation reads a namespace's records in id order, a page at a time,
-- keeping those made under another policy or trust; and every start asks
-- whether a namespace holds one made under another trust. This index
-- answers both from the index alone, without reading any report, and
-- without sorting the namespace's records for every page.

-- +goose Up
CREATE INDEX verifications_by_namespace ON verifications (namespace, id, policy_sha256, trust_sha256);

-- +goose Down
DROP INDEX verifications_by_namespace;
