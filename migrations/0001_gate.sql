CREATE TABLE `gate_devices` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`name` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `gate_devices_event_idx` ON `gate_devices` (`event_id`);--> statement-breakpoint
CREATE TABLE `gate_scans` (
	`event_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`device_id` text NOT NULL,
	`scanned_at` text NOT NULL,
	`verdict` text NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `gate_devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gate_scans_unique` ON `gate_scans` (`ticket_id`,`device_id`,`scanned_at`);--> statement-breakpoint
CREATE INDEX `gate_scans_first_idx` ON `gate_scans` (`event_id`,`ticket_id`,`verdict`,`scanned_at`,`device_id`);