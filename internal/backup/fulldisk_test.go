package backup_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vigie/internal/backup"
	"vigie/internal/backup/retention"
	"vigie/internal/testutil"
)

// A target that fills up fails the run with the disk's own words, and deletes nothing: the
// snapshots it held still list and verify, retention does not run.
func TestFullTargetDeletesNothing(t *testing.T) {
	f := newFixture(t)
	dir := f.dirs[0]
	err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=2m")
	if err == nil {
		err = os.Chmod(dir, 0o700)
	}
	testutil.Need(t, "mounting a tmpfs (root, CAP_SYS_ADMIN)", err)
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	f.job.Targets = f.job.Targets[:1]
	f.job.Targets[0].Retention = retention.Policy{Last: 1}
	ctx := context.Background()
	first, err := f.runner.Backup(ctx, f.job)
	if err != nil {
		t.Fatal(err)
	}

	big := make([]byte, 3<<20) // random: zstd cannot shrink it below the 2 MiB of the disk
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(f.data, "big.bin"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	run, err := f.runner.Backup(ctx, f.job)
	if err == nil || run.Status != backup.StatusFailed || !strings.Contains(run.Error, "no space left on device") {
		t.Fatalf("a full target: status %s, error %q", run.Status, run.Error)
	}
	snaps := f.snapshots(t, 0)
	if len(snaps) != 1 || snaps[0].ID != first.Snapshot {
		t.Fatalf("after the failed run the target lists %+v, want only %s", snaps, first.Snapshot)
	}
	if _, _, err := backup.Verify(ctx, f.open(t, 0), snaps[0], f.keys, f.ids); err != nil {
		t.Errorf("the older snapshot no longer verifies: %v", err)
	}
	os.Remove(filepath.Join(f.data, "big.bin"))
	f.clock.Advance(time.Hour)
	if _, err := f.runner.Backup(ctx, f.job); err != nil {
		t.Fatalf("once there is room again: %v", err)
	}
}
