-- API tokens may expire and be revoked. Times are Unix nanoseconds and 0
-- is "never" (portable: no NULL handling differs between the databases).
-- A revoked token stays in the table, so that a revocation is kept on
-- record and the first-start admin token is not made again when every
-- token has been revoked.

-- +goose Up
ALTER TABLE tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tokens DROP COLUMN revoked_at;
ALTER TABLE tokens DROP COLUMN expires_at;
