-- One-time codes that prove a phone number (issue 32, item 5): sent by WhatsApp or SMS at
-- sign-up and for a self-service password reset. Kept only as a keyed hash (HMAC with the
-- deployment's key: six digits hashed plainly would be read back by trying a million), with
-- the time it lapses and the attempts made; a used code is marked.
CREATE TABLE phone_codes (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX phone_codes_phone ON phone_codes (phone, purpose, created_at);
