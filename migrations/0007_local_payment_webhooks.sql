CREATE TABLE `local_payment_webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_id` text NOT NULL,
	`type` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`delivered_at` text
);
--> statement-breakpoint
CREATE INDEX `local_payment_webhooks_payment` ON `local_payment_webhooks` (`payment_id`,`type`);