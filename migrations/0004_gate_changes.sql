CREATE TABLE `gate_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`kind` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `gate_changes_event_seq_idx` ON `gate_changes` (`event_id`,`seq`);
--> statement-breakpoint
CREATE TRIGGER `gate_changes_ticket_revoked` AFTER UPDATE OF `status` ON `tickets`
WHEN NEW.`status` = 'revoked' AND OLD.`status` IS NOT 'revoked'
BEGIN
  INSERT INTO `gate_changes` (`event_id`, `ticket_id`, `kind`) VALUES (NEW.`event_id`, NEW.`id`, 'revoked');
END;
--> statement-breakpoint
CREATE TRIGGER `gate_changes_ticket_inserted_revoked` AFTER INSERT ON `tickets`
WHEN NEW.`status` = 'revoked'
BEGIN
  INSERT INTO `gate_changes` (`event_id`, `ticket_id`, `kind`) VALUES (NEW.`event_id`, NEW.`id`, 'revoked');
END;
--> statement-breakpoint
CREATE TRIGGER `gate_changes_valid_scan` AFTER INSERT ON `gate_scans`
WHEN NEW.`verdict` = 'valid'
BEGIN
  INSERT INTO `gate_changes` (`event_id`, `ticket_id`, `kind`) VALUES (NEW.`event_id`, NEW.`ticket_id`, 'entry');
END;
