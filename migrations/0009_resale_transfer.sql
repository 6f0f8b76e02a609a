CREATE TABLE `resale_listings` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`event_id` text NOT NULL,
	`seller_id` text NOT NULL,
	`seller_order_id` text NOT NULL,
	`section_key` text NOT NULL,
	`seat_label` text,
	`price_cents` integer NOT NULL,
	`status` text DEFAULT 'listed' NOT NULL,
	`hold_id` text,
	`hold_expires_at` integer,
	`buyer_id` text,
	`buyer_order_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `resale_listings_open_unique` ON `resale_listings` (`ticket_id`) WHERE status IN ('listed', 'held', 'confirming');--> statement-breakpoint
CREATE INDEX `resale_listings_event_idx` ON `resale_listings` (`event_id`,`status`);--> statement-breakpoint
CREATE INDEX `resale_listings_seller_idx` ON `resale_listings` (`seller_id`);--> statement-breakpoint
CREATE INDEX `resale_listings_hold_idx` ON `resale_listings` (`hold_id`);--> statement-breakpoint
CREATE TABLE `resale_payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`listing_id` text NOT NULL,
	`seller_order_id` text NOT NULL,
	`buyer_order_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `resale_payouts_unique` ON `resale_payouts` (`listing_id`,`buyer_order_id`,`kind`);--> statement-breakpoint
CREATE INDEX `resale_payouts_seller_order_idx` ON `resale_payouts` (`seller_order_id`);--> statement-breakpoint
CREATE TABLE `ticket_transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`event_id` text NOT NULL,
	`from_user_id` text NOT NULL,
	`to_email` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`expires_at` integer NOT NULL,
	`to_user_id` text,
	`new_ticket_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`decided_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_transfers_pending_unique` ON `ticket_transfers` (`ticket_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `ticket_transfers_from_idx` ON `ticket_transfers` (`from_user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `ticket_transfers_to_idx` ON `ticket_transfers` (`to_email`,`created_at`);--> statement-breakpoint
ALTER TABLE `orders` ADD `resold_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `replaces_ticket_id` text;