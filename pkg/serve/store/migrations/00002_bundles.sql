-- Each decision keeps the bundles it was made on, so that it can be
-- re-evaluated (a new policy, a new trusted root) and served again in the
-- shapes registries serve. Bundles are content-addressed: the same bundle
-- sent with many requests is stored once.

-- +goose Up
CREATE TABLE bundles (
    sha256 TEXT PRIMARY KEY,
    data   TEXT NOT NULL
);

-- position keeps the request's order (sorted by digest: the order a
-- request sends them in changes neither the decision nor the record).
CREATE TABLE verification_bundles (
    verification_id TEXT NOT NULL REFERENCES verifications (id),
    position        INTEGER NOT NULL,
    bundle_sha256   TEXT NOT NULL REFERENCES bundles (sha256),
    PRIMARY KEY (verification_id, position)
);

-- History: a re-evaluation is a new record that names the one it
-- re-evaluates; reason says why it was made ("request": a client asked;
-- "policy": the namespace's policy changed; "trust": the trusted root or
-- keys changed). The earlier record is kept unchanged.
ALTER TABLE verifications ADD COLUMN supersedes TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN reason TEXT NOT NULL DEFAULT 'request';
CREATE INDEX verifications_by_supersedes ON verifications (supersedes);

-- +goose Down
DROP INDEX verifications_by_supersedes;
ALTER TABLE verifications DROP COLUMN reason;
ALTER TABLE verifications DROP COLUMN supersedes;
DROP TABLE verification_bundles;
DROP TABLE bundles;
