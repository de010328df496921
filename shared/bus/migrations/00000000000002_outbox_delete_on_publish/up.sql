-- Published rows are deleted now (JetStream keeps the events), so every row in the outbox is
-- unpublished and the primary key serves the relay's claim: the partial index only cost inserts.
DROP INDEX outbox_unpublished;
DELETE FROM outbox WHERE published_at IS NOT NULL;
