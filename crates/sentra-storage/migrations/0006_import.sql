-- Imports match rows to existing businesses by NIB first.
CREATE INDEX umkm_documents_number ON umkm_documents (kind, number);
