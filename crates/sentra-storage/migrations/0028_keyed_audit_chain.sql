-- The audit chain becomes keyed (docs/decisions/0028-keyed-audit-chain.md): each new entry's
-- hash is an HMAC-SHA256 under a key kept apart from the database, so that someone who can
-- write to the database can no longer edit an entry and recompute the chain. Entries written
-- before keep their plain SHA-256 hash and are checked as before: version 1 (unkeyed), 2 (keyed).
ALTER TABLE audit_log ADD COLUMN hash_version BIGINT NOT NULL DEFAULT 1;
