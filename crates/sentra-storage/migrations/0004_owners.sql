-- The UMKM owner's account, for businesses an owner registered (or was handed) themselves.
ALTER TABLE umkm ADD COLUMN owner_user_id TEXT;
CREATE INDEX umkm_owner ON umkm (owner_user_id);
