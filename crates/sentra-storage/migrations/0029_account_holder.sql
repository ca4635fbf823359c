-- Whether the person who holds an account is known to hold the phone number it signs in with
-- (issue 27, item 2): an owner who signed up herself proved nothing about the number, so an
-- operator's hand-over never links her account to a business by phone alone. Accounts made by
-- an operator or an admin are known; owner accounts that existed before are treated as not.
ALTER TABLE users ADD COLUMN holder_confirmed BIGINT NOT NULL DEFAULT 0;
UPDATE users SET holder_confirmed = 1 WHERE role <> 'owner';
