-- A participant whose judgements stay inconsistent (a section's CR at or above 0.10) is left
-- out of the group's result by default (issue 31); the facilitator may count them anyway,
-- which is kept with who decided and when (and audited).
ALTER TABLE flagship_participants ADD COLUMN counted_anyway_by TEXT;
ALTER TABLE flagship_participants ADD COLUMN counted_anyway_at TEXT;
