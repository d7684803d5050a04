-- A decision made by a policy with a vulnerabilities gate depends on the
-- vulnerability database it was matched against: vuln_db_sha256 names it
-- (the service's digest of the database's files; '' for a decision of a
-- policy without the gate). A new database re-evaluates the current
-- records of such policies made under another one; the index answers that
-- question per namespace and policy without reading any report.

-- +goose Up
ALTER TABLE verifications ADD COLUMN vuln_db_sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX verifications_by_vuln_db ON verifications (namespace, policy_sha256, vuln_db_sha256, id);

-- +goose Down
DROP INDEX verifications_by_vuln_db;
ALTER TABLE verifications DROP COLUMN vuln_db_sha256;
