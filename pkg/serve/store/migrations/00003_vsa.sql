-- Each decision keeps its signed verification summary (a Sigstore bundle of
-- an SLSA VSA v1 statement, compact JSON) as it was returned, so the same
-- bytes are served again; '' for a decision made without a VSA signer.
-- GET /v1/vsa/{digest} reads the newest current decision of a digest: the
-- subject indexes of 00001 find the digest's records, and the supersedes
-- index of 00002 tells which of them a re-evaluation replaced.

-- +goose Up
ALTER TABLE verifications ADD COLUMN vsa TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE verifications DROP COLUMN vsa;
