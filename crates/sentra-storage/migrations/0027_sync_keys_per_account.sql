-- Field-sync keys belong to the account that sent them (issue 27): with one global key space,
-- another account sending the same key was answered with the first account's record. The
-- content's hash is kept with the key, so a replay whose content differs is refused instead of
-- being answered with the old result. Rebuilt rather than altered: SQLite cannot change a
-- primary key. Keys from before carry no hash (their replays are answered as before).
CREATE TABLE sync_keys_next (
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash TEXT,
    login TEXT NOT NULL,
    umkm_id TEXT,
    created_at TEXT NOT NULL
);
INSERT INTO sync_keys_next (account_id, key, body_hash, login, umkm_id, created_at)
SELECT COALESCE((SELECT u.id FROM users u WHERE u.login = s.login), s.login),
       s.key, NULL, s.login, s.umkm_id, s.created_at
FROM sync_keys s;
DROP TABLE sync_keys;
ALTER TABLE sync_keys_next RENAME TO sync_keys;
CREATE UNIQUE INDEX sync_keys_account_key ON sync_keys (account_id, key);
