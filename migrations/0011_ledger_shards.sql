ALTER TABLE `events` ADD `ledger_shards` integer DEFAULT 64 NOT NULL;--> statement-breakpoint
-- Events made before this migration keep one ledger per buyer (their hold ids name it); new events get the default.
UPDATE `events` SET `ledger_shards` = 0;
