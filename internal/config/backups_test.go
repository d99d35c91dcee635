package config

import (
	"strings"
	"testing"
	"time"

	"vigie/internal/backup/source"
)

func TestBackupJobs(t *testing.T) {
	c := mustLoad(t, "testdata/good/backups.yaml")
	if got, want := c.Backups.SigningKeyFile, abs(t, "testdata/good/backup-signing.key"); got != want {
		t.Errorf("signing_key_file = %s, want %s", got, want)
	}
	if len(c.Backups.Jobs) != 1 {
		t.Fatalf("%d jobs", len(c.Backups.Jobs))
	}
	job, err := c.Backups.Jobs[0].Job()
	if err != nil {
		t.Fatal(err)
	}
	if job.Name != "web" || job.Instance != "prod-1" || len(job.Sources) != 6 || len(job.Targets) != 2 || len(job.Pre) != 1 || job.Post[0].Timeout != 5*time.Minute {
		t.Fatalf("job = %+v", job)
	}
	if job.Expect != 26*time.Hour {
		t.Errorf("a daily job with 2h of grace is overdue after %s, want 26h", job.Expect)
	}
	// 02:00 in Paris, plus this job's fixed jitter under 10 minutes.
	next := job.Schedule.Next(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	if paris := next.In(mustZone(t, "Europe/Paris")); paris.Hour() != 2 || paris.Minute() >= 10 || paris.Day() != 2 {
		t.Errorf("next run %s", paris)
	}
	near, far := job.Targets[0], job.Targets[1]
	if near.Retention.Hourly != 24 || near.Retention.Monthly != 12 || near.Retention.Location.String() != "Europe/Paris" || near.FullAt != 0.9 {
		t.Errorf("near = %+v", near)
	}
	if far.BytesPerSecond != 10<<20 || far.FullAt != 0.85 || far.Retention.Within.String() != "2d" {
		t.Errorf("far = %+v", far)
	}
	d := job.Drill
	if d == nil || d.Target != "far" || !d.Random || len(d.Identities.Age) != 1 || len(d.Databases) != 2 {
		t.Fatalf("drill = %+v", d)
	}
	if db := d.Databases[0]; db.Type != source.TypePostgres || db.Expect.Check("0") == nil || db.Expect.Check("12") != nil {
		t.Errorf("drill database = %+v", db)
	}
	if pg, ok := d.Databases[0].Conn.(source.PostgresConfig); !ok || pg.Password != "pg-S3cret!" {
		t.Errorf("drill connection = %#v", d.Databases[0].Conn)
	}
	if db := d.Databases[1]; db.Type != source.TypeSQLite || db.Expect.Check("anything") != nil {
		t.Errorf("an empty expect accepts any answer: %+v", db)
	}
	// Print shows none of the secrets: passwords, the S3 key, the drill's private key.
	var b strings.Builder
	if err := c.Print(&b); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"pg-S3cret!", "maria-S3cret!", "redis-S3cret!", "SuperSecretS3Key", "AGE-SECRET-KEY"} {
		if strings.Contains(b.String(), secret) {
			t.Errorf("the printed configuration shows %s", secret)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"512": 512, "64KB": 64000, "10MiB": 10 << 20, "1.5GiB": 3 << 29, " 2 TB ": 2e12, "0": 0, "7B": 7} {
		var b ByteSize
		if err := b.UnmarshalText([]byte(in)); err != nil || b != want {
			t.Errorf("%q = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1KB", "1e3", "0x10", "ten", "1 mega", "99999999TiB"} {
		var b ByteSize
		if err := b.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("%q read as %d", in, b)
		}
	}
}
