CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
