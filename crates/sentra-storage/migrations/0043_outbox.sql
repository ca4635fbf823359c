-- Messages to owners (issue 32): the outbox, each business's contact consent per channel, and
-- the texts admins edit. A message is a record from the moment it is queued: who it is for (the
-- business and its kelurahan, for the sender's scope), the channel and address, the text as
-- sent, its state and attempts. `dedup_key` is unique: the same invitation queued twice, or by
-- two servers, is one message. `stop_token` is the link in the message that stops them.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    umkm_id TEXT NOT NULL,
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
CREATE INDEX messages_due ON messages (state, due_at);
CREATE INDEX messages_umkm ON messages (umkm_id, created_at);
CREATE INDEX messages_village ON messages (village_code, created_at);
CREATE INDEX messages_provider ON messages (provider_ref);
-- A reply (STOP) names the phone it came from.
CREATE INDEX messages_address ON messages (address);

-- A business's consent to be contacted on a channel (UU 27/2022 Pasal 20 and 22: given for a
-- purpose, recorded with when and how; withdrawn at any time, and honoured at once).
CREATE TABLE contact_consents (
    umkm_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT,
    given_at TEXT,
    given_how TEXT,
    given_by TEXT,
    withdrawn_at TEXT,
    withdrawn_how TEXT,
    PRIMARY KEY (umkm_id, channel)
);

CREATE TABLE message_templates (
    purpose TEXT NOT NULL,
    lang TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (purpose, lang)
);
