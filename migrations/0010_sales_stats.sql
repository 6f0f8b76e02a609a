CREATE TABLE `event_sales_buckets` (
	`event_id` text NOT NULL,
	`span` text NOT NULL,
	`bucket` text NOT NULL,
	`orders_placed` integer DEFAULT 0 NOT NULL,
	`orders_paid` integer DEFAULT 0 NOT NULL,
	`orders_refunded` integer DEFAULT 0 NOT NULL,
	`tickets_issued` integer DEFAULT 0 NOT NULL,
	`tickets_revoked` integer DEFAULT 0 NOT NULL,
	`gross_cents` integer DEFAULT 0 NOT NULL,
	`refunded_cents` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`event_id`, `span`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `gate_device_activity` (
	`device_id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`scans` integer DEFAULT 0 NOT NULL,
	`entries` integer DEFAULT 0 NOT NULL,
	`last_upload_at` text,
	`last_bundle_at` text
);
--> statement-breakpoint
CREATE INDEX `gate_device_activity_event_idx` ON `gate_device_activity` (`event_id`);--> statement-breakpoint
CREATE TABLE `gate_scan_buckets` (
	`event_id` text NOT NULL,
	`span` text NOT NULL,
	`bucket` text NOT NULL,
	`device_id` text NOT NULL,
	`scans` integer DEFAULT 0 NOT NULL,
	`entries` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`event_id`, `span`, `bucket`, `device_id`)
);
--> statement-breakpoint
CREATE INDEX `orders_event_created_idx` ON `orders` (`event_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_event_id_idx` ON `tickets` (`event_id`,`id`);
--> statement-breakpoint
-- Hand-written from here on (drizzle-kit wrote the tables above from src/worker/db/schema/stats.ts):
-- triggers keep the stats buckets as orders, tickets and scans change, then a backfill counts the
-- rows that exist already, once. D1's meta.changes counts rows written by triggers too, and
-- checkout checks `changes === 1` after inserting an order, so an order is counted as placed from
-- its first item (order_items, same batch, changes never checked), not from the orders insert.
CREATE TRIGGER `sales_order_placed` AFTER INSERT ON `order_items`
WHEN NEW.`position` = 0
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_placed`)
  VALUES (NEW.`event_id`, 'minute', strftime('%Y-%m-%dT%H:%MZ', 'now'), 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_placed` = `orders_placed` + 1;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_placed`)
  VALUES (NEW.`event_id`, 'day', strftime('%Y-%m-%d', 'now'), 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_placed` = `orders_placed` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `sales_order_inserted_paid` AFTER INSERT ON `orders`
WHEN NEW.`status` = 'paid'
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_paid`, `gross_cents`, `refunded_cents`)
  VALUES (NEW.`event_id`, 'minute', substr(COALESCE(NEW.`paid_at`, NEW.`created_at`), 1, 16) || 'Z', 1, NEW.`amount_cents`, NEW.`refunded_cents`)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_paid` = `orders_paid` + excluded.`orders_paid`, `gross_cents` = `gross_cents` + excluded.`gross_cents`, `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_paid`, `gross_cents`, `refunded_cents`)
  VALUES (NEW.`event_id`, 'day', substr(COALESCE(NEW.`paid_at`, NEW.`created_at`), 1, 10), 1, NEW.`amount_cents`, NEW.`refunded_cents`)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_paid` = `orders_paid` + excluded.`orders_paid`, `gross_cents` = `gross_cents` + excluded.`gross_cents`, `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `sales_order_paid` AFTER UPDATE OF `status` ON `orders`
WHEN NEW.`status` = 'paid' AND OLD.`status` IS NOT 'paid'
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_paid`, `gross_cents`, `refunded_cents`)
  VALUES (NEW.`event_id`, 'minute', substr(COALESCE(NEW.`paid_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 16) || 'Z', 1, NEW.`amount_cents`, NEW.`refunded_cents`)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_paid` = `orders_paid` + excluded.`orders_paid`, `gross_cents` = `gross_cents` + excluded.`gross_cents`, `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_paid`, `gross_cents`, `refunded_cents`)
  VALUES (NEW.`event_id`, 'day', substr(COALESCE(NEW.`paid_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 10), 1, NEW.`amount_cents`, NEW.`refunded_cents`)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_paid` = `orders_paid` + excluded.`orders_paid`, `gross_cents` = `gross_cents` + excluded.`gross_cents`, `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `sales_order_refunded` AFTER UPDATE OF `status` ON `orders`
WHEN OLD.`status` = 'paid' AND NEW.`status` IS NOT 'paid'
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_refunded`)
  VALUES (NEW.`event_id`, 'minute', substr(COALESCE(NEW.`updated_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 16) || 'Z', 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_refunded` = `orders_refunded` + excluded.`orders_refunded`;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_refunded`)
  VALUES (NEW.`event_id`, 'day', substr(COALESCE(NEW.`updated_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 10), 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_refunded` = `orders_refunded` + excluded.`orders_refunded`;
END;
--> statement-breakpoint
CREATE TRIGGER `sales_order_refund_money` AFTER UPDATE OF `refunded_cents` ON `orders`
WHEN NEW.`refunded_cents` > OLD.`refunded_cents` AND OLD.`paid_at` IS NOT NULL
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `refunded_cents`)
  VALUES (NEW.`event_id`, 'minute', substr(COALESCE(NEW.`updated_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 16) || 'Z', NEW.`refunded_cents` - OLD.`refunded_cents`)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `refunded_cents`)
  VALUES (NEW.`event_id`, 'day', substr(COALESCE(NEW.`updated_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 10), NEW.`refunded_cents` - OLD.`refunded_cents`)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
END;
--> statement-breakpoint
CREATE TRIGGER `sales_ticket_issued` AFTER INSERT ON `tickets`
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_issued`)
  VALUES (NEW.`event_id`, 'minute', substr(NEW.`issued_at`, 1, 16) || 'Z', 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_issued` = `tickets_issued` + excluded.`tickets_issued`;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_issued`)
  VALUES (NEW.`event_id`, 'day', substr(NEW.`issued_at`, 1, 10), 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_issued` = `tickets_issued` + excluded.`tickets_issued`;
END;
--> statement-breakpoint
CREATE TRIGGER `sales_ticket_inserted_revoked` AFTER INSERT ON `tickets`
WHEN NEW.`status` = 'revoked'
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_revoked`)
  VALUES (NEW.`event_id`, 'minute', substr(COALESCE(NEW.`revoked_at`, NEW.`issued_at`), 1, 16) || 'Z', 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_revoked` = `tickets_revoked` + excluded.`tickets_revoked`;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_revoked`)
  VALUES (NEW.`event_id`, 'day', substr(COALESCE(NEW.`revoked_at`, NEW.`issued_at`), 1, 10), 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_revoked` = `tickets_revoked` + excluded.`tickets_revoked`;
END;
--> statement-breakpoint
CREATE TRIGGER `sales_ticket_revoked` AFTER UPDATE OF `status` ON `tickets`
WHEN NEW.`status` = 'revoked' AND OLD.`status` IS NOT 'revoked'
BEGIN
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_revoked`)
  VALUES (NEW.`event_id`, 'minute', substr(COALESCE(NEW.`revoked_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 16) || 'Z', 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_revoked` = `tickets_revoked` + excluded.`tickets_revoked`;
  INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_revoked`)
  VALUES (NEW.`event_id`, 'day', substr(COALESCE(NEW.`revoked_at`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), 1, 10), 1)
  ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_revoked` = `tickets_revoked` + excluded.`tickets_revoked`;
END;
--> statement-breakpoint
CREATE TRIGGER `stats_gate_scan` AFTER INSERT ON `gate_scans`
BEGIN
  INSERT INTO `gate_scan_buckets` (`event_id`, `span`, `bucket`, `device_id`, `scans`, `entries`)
  VALUES (NEW.`event_id`, 'minute', substr(NEW.`scanned_at`, 1, 16) || 'Z', NEW.`device_id`, 1, NEW.`verdict` = 'valid')
  ON CONFLICT (`event_id`, `span`, `bucket`, `device_id`) DO UPDATE SET `scans` = `scans` + 1, `entries` = `entries` + excluded.`entries`;
  INSERT INTO `gate_scan_buckets` (`event_id`, `span`, `bucket`, `device_id`, `scans`, `entries`)
  VALUES (NEW.`event_id`, 'day', substr(NEW.`scanned_at`, 1, 10), NEW.`device_id`, 1, NEW.`verdict` = 'valid')
  ON CONFLICT (`event_id`, `span`, `bucket`, `device_id`) DO UPDATE SET `scans` = `scans` + 1, `entries` = `entries` + excluded.`entries`;
  INSERT INTO `gate_device_activity` (`device_id`, `event_id`, `scans`, `entries`, `last_upload_at`)
  VALUES (NEW.`device_id`, NEW.`event_id`, 1, NEW.`verdict` = 'valid', NEW.`received_at`)
  ON CONFLICT (`device_id`) DO UPDATE SET `scans` = `scans` + 1, `entries` = `entries` + excluded.`entries`,
    `last_upload_at` = max(COALESCE(`last_upload_at`, ''), excluded.`last_upload_at`);
END;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_placed`)
SELECT `event_id`, 'minute', substr(`created_at`, 1, 16) || 'Z', count(*) FROM `orders` WHERE true GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_placed` = `orders_placed` + excluded.`orders_placed`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_placed`)
SELECT `event_id`, 'day', substr(`created_at`, 1, 10), count(*) FROM `orders` WHERE true GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_placed` = `orders_placed` + excluded.`orders_placed`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_paid`, `gross_cents`)
SELECT `event_id`, 'minute', substr(`paid_at`, 1, 16) || 'Z', count(*), sum(`amount_cents`) FROM `orders` WHERE `paid_at` IS NOT NULL GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_paid` = `orders_paid` + excluded.`orders_paid`, `gross_cents` = `gross_cents` + excluded.`gross_cents`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_paid`, `gross_cents`)
SELECT `event_id`, 'day', substr(`paid_at`, 1, 10), count(*), sum(`amount_cents`) FROM `orders` WHERE `paid_at` IS NOT NULL GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_paid` = `orders_paid` + excluded.`orders_paid`, `gross_cents` = `gross_cents` + excluded.`gross_cents`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_refunded`)
SELECT `event_id`, 'minute', substr(`updated_at`, 1, 16) || 'Z', count(*) FROM `orders` WHERE `paid_at` IS NOT NULL AND `status` = 'refunded' GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_refunded` = `orders_refunded` + excluded.`orders_refunded`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `orders_refunded`)
SELECT `event_id`, 'day', substr(`updated_at`, 1, 10), count(*) FROM `orders` WHERE `paid_at` IS NOT NULL AND `status` = 'refunded' GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `orders_refunded` = `orders_refunded` + excluded.`orders_refunded`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `refunded_cents`)
SELECT `event_id`, 'minute', substr(COALESCE(`refunded_at`, `updated_at`), 1, 16) || 'Z', sum(`refunded_cents`) FROM `orders` WHERE `paid_at` IS NOT NULL AND `refunded_cents` > 0 GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `refunded_cents`)
SELECT `event_id`, 'day', substr(COALESCE(`refunded_at`, `updated_at`), 1, 10), sum(`refunded_cents`) FROM `orders` WHERE `paid_at` IS NOT NULL AND `refunded_cents` > 0 GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_issued`)
SELECT `event_id`, 'minute', substr(`issued_at`, 1, 16) || 'Z', count(*) FROM `tickets` WHERE true GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_issued` = `tickets_issued` + excluded.`tickets_issued`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_issued`)
SELECT `event_id`, 'day', substr(`issued_at`, 1, 10), count(*) FROM `tickets` WHERE true GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_issued` = `tickets_issued` + excluded.`tickets_issued`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_revoked`)
SELECT `event_id`, 'minute', substr(COALESCE(`revoked_at`, `issued_at`), 1, 16) || 'Z', count(*) FROM `tickets` WHERE `status` = 'revoked' GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_revoked` = `tickets_revoked` + excluded.`tickets_revoked`;
--> statement-breakpoint
INSERT INTO `event_sales_buckets` (`event_id`, `span`, `bucket`, `tickets_revoked`)
SELECT `event_id`, 'day', substr(COALESCE(`revoked_at`, `issued_at`), 1, 10), count(*) FROM `tickets` WHERE `status` = 'revoked' GROUP BY 1, 3
ON CONFLICT (`event_id`, `span`, `bucket`) DO UPDATE SET `tickets_revoked` = `tickets_revoked` + excluded.`tickets_revoked`;
--> statement-breakpoint
INSERT INTO `gate_scan_buckets` (`event_id`, `span`, `bucket`, `device_id`, `scans`, `entries`)
SELECT `event_id`, 'minute', substr(`scanned_at`, 1, 16) || 'Z', `device_id`, count(*), sum(`verdict` = 'valid') FROM `gate_scans` WHERE true GROUP BY 1, 3, 4
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO `gate_scan_buckets` (`event_id`, `span`, `bucket`, `device_id`, `scans`, `entries`)
SELECT `event_id`, 'day', substr(`scanned_at`, 1, 10), `device_id`, count(*), sum(`verdict` = 'valid') FROM `gate_scans` WHERE true GROUP BY 1, 3, 4
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO `gate_device_activity` (`device_id`, `event_id`, `scans`, `entries`, `last_upload_at`)
SELECT `device_id`, `event_id`, count(*), sum(`verdict` = 'valid'), max(`received_at`) FROM `gate_scans` WHERE true GROUP BY 1, 2
ON CONFLICT DO NOTHING;
