package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/target"
	"vigie/internal/errs"
)

// Snapshot is a complete snapshot on a target, as its object names tell it.
type Snapshot struct {
	ID       string
	Job      string
	Instance string
	Time     time.Time // when the run started, from the id
	Ext      string    // ".age" or ".gpg"
	Size     int64     // of the encrypted data object
}

// maxManifestSize bounds what is read of a manifest; a million entries fit in it.
const maxManifestSize = 512 << 20

// List lists the complete snapshots at loc on t, oldest first: those whose manifest exists.
func List(ctx context.Context, t target.Target, loc Location) ([]Snapshot, error) {
	objs, err := t.List(ctx, loc.prefix())
	if err != nil {
		return nil, err
	}
	type parts struct {
		data, manifest, sig bool
		ext                 string
		size                int64
	}
	byID := map[string]*parts{}
	for _, o := range objs {
		id, kind, ext, ok := loc.parseName(o.Name)
		if !ok {
			continue
		}
		p := byID[id]
		if p == nil {
			p = &parts{}
			byID[id] = p
		}
		switch kind {
		case "data":
			p.data, p.size, p.ext = true, o.Size, ext
		case "manifest":
			p.manifest = true
		case "sig":
			p.sig = true
		}
	}
	var out []Snapshot
	for id, p := range byID {
		if !p.manifest {
			continue
		}
		at, _ := IDTime(id)
		out = append(out, Snapshot{ID: id, Job: loc.Job, Instance: loc.Instance, Time: at, Ext: p.ext, Size: p.size})
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// listOrphans names the data and signature objects at loc without a manifest: leftovers of
// runs that died before finishing.
func listOrphans(ctx context.Context, t target.Target, loc Location) ([]string, error) {
	objs, err := t.List(ctx, loc.prefix())
	if err != nil {
		return nil, err
	}
	complete := map[string]bool{}
	for _, o := range objs {
		if id, kind, _, ok := loc.parseName(o.Name); ok && kind == "manifest" {
			complete[id] = true
		}
	}
	var out []string
	for _, o := range objs {
		if id, kind, _, ok := loc.parseName(o.Name); ok && kind != "manifest" && !complete[id] {
			out = append(out, o.Name)
		}
	}
	return out, nil
}

// Find returns the snapshot with the given id, or the newest one for "latest".
func Find(ctx context.Context, t target.Target, loc Location, id string) (Snapshot, error) {
	snaps, err := List(ctx, t, loc)
	if err != nil {
		return Snapshot{}, err
	}
	if id == "latest" {
		if len(snaps) == 0 {
			return Snapshot{}, errs.E(errs.NotFound, "no snapshot of %s/%s on %s", loc.Job, loc.Instance, t)
		}
		return snaps[len(snaps)-1], nil
	}
	for _, s := range snaps {
		if s.ID == id {
			return s, nil
		}
	}
	return Snapshot{}, errs.E(errs.NotFound, "no snapshot %s of %s/%s on %s", id, loc.Job, loc.Instance, t)
}

// OpenManifest fetches a snapshot's signature and manifest, checks the signature against the
// trusted keys, then decrypts the manifest with ids.
func OpenManifest(ctx context.Context, t target.Target, s Snapshot, keys Keys, ids snapshot.Identities) (*snapshot.Manifest, error) {
	loc := Location{Job: s.Job, Instance: s.Instance}
	sig, err := readAll(ctx, t, loc.sigName(s.ID), 4096)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: signature: %w", s.ID, err)
	}
	sealed, err := readAll(ctx, t, loc.manifestName(s.ID, s.Ext), maxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: manifest: %w", s.ID, err)
	}
	m, err := snapshot.OpenManifest(sealed, sig, keys.trusted(), ids)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", s.ID, err)
	}
	if m.ID != s.ID || m.Job != s.Job || m.Instance != s.Instance || m.Object != loc.dataName(s.ID, s.Ext) {
		// A valid manifest of another snapshot put in this one's place.
		return nil, fmt.Errorf("snapshot %s: %w: its manifest describes %s/%s/%s", s.ID, snapshot.ErrTampered, m.Job, m.Instance, m.ID)
	}
	return m, nil
}

func readAll(ctx context.Context, t target.Target, name string, limit int64) ([]byte, error) {
	r, err := t.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(b.Len()) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b.Bytes(), nil
}

// OpenData opens a snapshot's encrypted data object.
func OpenData(ctx context.Context, t target.Target, m *snapshot.Manifest) (io.ReadCloser, error) {
	return t.Get(ctx, m.Object)
}

// Verify reads a whole snapshot back and checks it against its signed manifest: the object's
// checksum and every entry's.
func Verify(ctx context.Context, t target.Target, s Snapshot, keys Keys, ids snapshot.Identities) (*snapshot.Manifest, snapshot.Stats, error) {
	m, err := OpenManifest(ctx, t, s, keys, ids)
	if err != nil {
		return nil, snapshot.Stats{}, err
	}
	r, err := OpenData(ctx, t, m)
	if err != nil {
		return m, snapshot.Stats{}, fmt.Errorf("snapshot %s: data: %w", s.ID, err)
	}
	defer r.Close()
	st, err := snapshot.Verify(r, m, ids)
	if err != nil {
		return m, st, fmt.Errorf("snapshot %s: %w", s.ID, err)
	}
	return m, st, nil
}

// Restore extracts a snapshot, or only the paths given, into dir.
func Restore(ctx context.Context, t target.Target, s Snapshot, keys Keys, ids snapshot.Identities, dir string, only []string) (snapshot.Stats, error) {
	m, err := OpenManifest(ctx, t, s, keys, ids)
	if err != nil {
		return snapshot.Stats{}, err
	}
	r, err := OpenData(ctx, t, m)
	if err != nil {
		return snapshot.Stats{}, fmt.Errorf("snapshot %s: data: %w", s.ID, err)
	}
	defer r.Close()
	return snapshot.Extract(r, m, ids, dir, only)
}

// StreamEntry writes one file or database dump of a snapshot to w, checked against the
// manifest as it goes.
func StreamEntry(ctx context.Context, t target.Target, s Snapshot, keys Keys, ids snapshot.Identities, name string, w io.Writer) error {
	m, err := OpenManifest(ctx, t, s, keys, ids)
	if err != nil {
		return err
	}
	r, err := OpenData(ctx, t, m)
	if err != nil {
		return fmt.Errorf("snapshot %s: data: %w", s.ID, err)
	}
	defer r.Close()
	return snapshot.StreamTo(r, m, ids, name, w)
}

// DumpEntry is the name of a database source's dump inside a snapshot: the one stream (or,
// for SQLite, file) under "db/<source>.".
func DumpEntry(m *snapshot.Manifest, sourceName string) (string, error) {
	prefix := "db/" + sourceName + "."
	for _, e := range m.Entries {
		if (e.Type == snapshot.TypeStream || e.Type == snapshot.TypeFile) && strings.HasPrefix(e.Path, prefix) {
			return e.Path, nil
		}
	}
	return "", errs.E(errs.NotFound, "snapshot %s has no database dump of source %q", m.ID, sourceName)
}
