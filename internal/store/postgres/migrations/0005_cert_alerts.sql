-- A monitor may have a certificate alert open beside its outage alert: one of each.
DROP INDEX alerts_one_open;
CREATE UNIQUE INDEX alerts_one_open ON alerts (monitor, (kind = 'cert_expiring')) WHERE resolved_at IS NULL;
