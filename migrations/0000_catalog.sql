CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`organizer_id` text NOT NULL,
	`venue_id` text NOT NULL,
	`name` text NOT NULL,
	`category` text NOT NULL,
	`city` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`on_sale_at` text NOT NULL,
	`state` text DEFAULT 'draft' NOT NULL,
	`price_tiers` text NOT NULL,
	`hold_ttl_seconds` integer DEFAULT 600 NOT NULL,
	`max_tickets_per_user` integer DEFAULT 8 NOT NULL,
	`waiting_room` text,
	`published_at` text,
	`cancelled_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`organizer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`venue_id`) REFERENCES `venues`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_organizer_idx` ON `events` (`organizer_id`);--> statement-breakpoint
CREATE INDEX `events_listing_idx` ON `events` (`state`,`starts_at`,`id`);--> statement-breakpoint
CREATE INDEX `events_city_idx` ON `events` (`city`,`starts_at`);--> statement-breakpoint
CREATE INDEX `events_category_idx` ON `events` (`category`,`starts_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text DEFAULT 'buyer' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE TABLE `venue_sections` (
	`venue_id` text NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`capacity` integer NOT NULL,
	`layout` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`venue_id`, `key`),
	FOREIGN KEY (`venue_id`) REFERENCES `venues`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `venues` (
	`id` text PRIMARY KEY NOT NULL,
	`organizer_id` text NOT NULL,
	`name` text NOT NULL,
	`city` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`organizer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `venues_organizer_idx` ON `venues` (`organizer_id`);