-- Placeholder on the incidents branch only: version 7 belongs to another branch's migration,
-- and versions must run without gaps. Delete this file when that migration is merged.
SELECT 1;
