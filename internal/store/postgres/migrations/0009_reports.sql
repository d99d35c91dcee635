-- The median response time of each hour, for the weekly report's p50 trend beside the p95.
-- Hours rolled up before this migration read 0 (unknown) until rolled up again: at the next
-- start vigie rolls up every hour still within retention.raw.
ALTER TABLE check_rollups ADD COLUMN p50_us BIGINT NOT NULL DEFAULT 0;
