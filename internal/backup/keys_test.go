package backup

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadSigningKeyCreatesOnceAndKeeps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "backup-signing.key")
	var wg sync.WaitGroup
	keys := make([]string, 8)
	created := make([]bool, 8)
	for i := range keys {
		wg.Go(func() {
			k, c, err := LoadSigningKey(path)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i], created[i] = Keys{Signing: k}.PublicKeyText(), c
		})
	}
	wg.Wait()
	made := 0
	for i := range keys {
		if keys[i] != keys[0] {
			t.Fatalf("racing starts made different keys: %q and %q", keys[0], keys[i])
		}
		if created[i] {
			made++
		}
	}
	if made != 1 {
		t.Errorf("%d callers say they created the key", made)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left beside the key: %v", entries)
	}
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, _, err := LoadSigningKey(path); err == nil {
		t.Error("a broken key file was accepted")
	}
}
