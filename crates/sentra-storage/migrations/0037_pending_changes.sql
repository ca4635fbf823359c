-- An operator's start page lists the owners' change requests waiting in her area (issue 31):
-- the waiting ones, oldest first, without reading the decided ones.
CREATE INDEX change_requests_pending ON change_requests (status, created_at);
