-- A message's recipient may be a person who is not a business (an FGD participant receiving
-- her personal link, issue 32): `umkm_id` becomes optional and every message keeps the name it
-- was addressed to. SQLite cannot drop a NOT NULL, so the table is rebuilt on both engines.
CREATE TABLE messages_v2 (
    id TEXT PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    umkm_id TEXT,
    recipient_name TEXT NOT NULL DEFAULT '',
    village_code TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    purpose TEXT NOT NULL,
    lang TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    lease_until BIGINT,
    provider_ref TEXT,
    error TEXT,
    stop_token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    sent_at TEXT,
    updated_at TEXT NOT NULL
);
INSERT INTO messages_v2 (id, dedup_key, umkm_id, recipient_name, village_code, channel, address,
    purpose, lang, subject, body, state, attempts, due_at, lease_until, provider_ref, error,
    stop_token, created_at, created_by, sent_at, updated_at)
SELECT m.id, m.dedup_key, m.umkm_id, COALESCE((SELECT u.name FROM umkm u WHERE u.id = m.umkm_id), ''),
    m.village_code, m.channel, m.address, m.purpose, m.lang, m.subject, m.body, m.state,
    m.attempts, m.due_at, m.lease_until, m.provider_ref, m.error, m.stop_token, m.created_at,
    m.created_by, m.sent_at, m.updated_at
FROM messages m;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_due ON messages (state, due_at);
CREATE INDEX messages_umkm ON messages (umkm_id, created_at);
CREATE INDEX messages_village ON messages (village_code, created_at);
CREATE INDEX messages_provider ON messages (provider_ref);
-- A reply (STOP) names the phone it came from.
CREATE INDEX messages_address ON messages (address);
