-- Publisher drift and webhooks. A verified decision about a package URL
-- keeps the package's name without version (purl_name: the canonical purl
-- without version, qualifiers or subpath), its version, and who published
-- it (repository, workflow, builder), so that the next version's decision
-- can be compared with the last verified one of another version: the
-- index serves exactly that lookup. Records stored before this migration
-- have no purl_name and are never compared.

-- +goose Up
ALTER TABLE verifications ADD COLUMN purl_name TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN purl_version TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN publisher_repository TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN publisher_workflow TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN publisher_builder TEXT NOT NULL DEFAULT '';
CREATE INDEX verifications_by_purl_name ON verifications (namespace, purl_name, created_at);

-- One webhook per namespace. The secret is stored as given: the service
-- signs each delivery with it (HMAC-SHA256), so a hash would not do; it is
-- never returned by the API.
CREATE TABLE webhooks (
    namespace  TEXT PRIMARY KEY REFERENCES namespaces (name),
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE webhooks;
DROP INDEX verifications_by_purl_name;
ALTER TABLE verifications DROP COLUMN publisher_builder;
ALTER TABLE verifications DROP COLUMN publisher_workflow;
ALTER TABLE verifications DROP COLUMN publisher_repository;
ALTER TABLE verifications DROP COLUMN purl_version;
ALTER TABLE verifications DROP COLUMN purl_name;
