-- Registry-shaped reads. A request may name its subject by a resource URI
-- (the file's URL, or "pypi:NAME-1.0.tar.gz") besides its package URL;
-- subject_package is the package URL in one spelling (PyPI names
-- normalized, npm scopes encoded), so that /integrity/… and /npm/v1/… find
-- a package's decisions however the request spelled it. subject_repository
-- is the source repository the request said the package declares (npm's
-- package.json "repository"), which policies compare with the provenance.

-- +goose Up
ALTER TABLE verifications ADD COLUMN subject_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN subject_package TEXT NOT NULL DEFAULT '';
ALTER TABLE verifications ADD COLUMN subject_repository TEXT NOT NULL DEFAULT '';
CREATE INDEX verifications_by_package ON verifications (namespace, subject_package, created_at);

-- +goose Down
DROP INDEX verifications_by_package;
ALTER TABLE verifications DROP COLUMN subject_repository;
ALTER TABLE verifications DROP COLUMN subject_package;
ALTER TABLE verifications DROP COLUMN subject_uri;
