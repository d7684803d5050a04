-- The first schema of vouch serve. Portable SQL: the same file migrates
-- SQLite and PostgreSQL (TEXT, BIGINT, INTEGER only; times are Unix
-- nanoseconds, booleans 0/1), so the two stores cannot drift apart.

-- +goose Up
CREATE TABLE namespaces (
    name       TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Every version of a namespace's policy is kept: a verification names the
-- version and digest it was evaluated against.
CREATE TABLE policies (
    namespace  TEXT NOT NULL REFERENCES namespaces (name),
    version    BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    document   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, version)
);

-- request_key is the idempotency key (namespace, subject digests, bundle
-- digests, policy digest, trust digest): the unique constraint, not a lock
-- in one process, makes the same request one record on every replica.
CREATE TABLE verifications (
    id                  TEXT PRIMARY KEY,
    namespace           TEXT NOT NULL REFERENCES namespaces (name),
    request_key         TEXT NOT NULL,
    subject_sha256      TEXT NOT NULL,
    subject_sha512      TEXT NOT NULL,
    subject_purl        TEXT NOT NULL,
    policy_version      BIGINT NOT NULL,
    policy_sha256       TEXT NOT NULL,
    trust_sha256        TEXT NOT NULL,
    verified            INTEGER NOT NULL,
    report              TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    UNIQUE (namespace, request_key)
);
CREATE INDEX verifications_by_sha256 ON verifications (subject_sha256, created_at);
CREATE INDEX verifications_by_sha512 ON verifications (subject_sha512, created_at);

-- API tokens, by the SHA-256 of the secret (a 256-bit random token needs no
-- slow hash): the secret itself is never stored.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL UNIQUE,
    scope      TEXT NOT NULL,
    namespace  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE tokens;
DROP TABLE verifications;
DROP TABLE policies;
DROP TABLE namespaces;
