package snapshot_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"vigie/internal/backup/snapshot"
)

// Run with: go test -run '^$' -bench . -benchtime 3x ./internal/backup/snapshot/
// Each benchmark compares vigie with the shell pipeline it must stay within 1.25x of, on the
// same 256 MiB data set, and reports MB/s and the process's peak RSS.

// benchData writes a mixed data set: text-like files, incompressible files, near-empty
// files and a thousand small files.
func benchData(b *testing.B) (dir string, total int64) {
	b.Helper()
	dir = filepath.Join(b.TempDir(), "data")
	rng := rand.New(rand.NewChaCha8([32]byte{42}))
	words := strings.Fields("the quick brown fox jumps over lazy dog backup snapshot restore verify " +
		"error warning info debug GET POST /api/v1/monitors 200 404 500 user_id session latency_ms")
	text := func(n int) []byte {
		var buf bytes.Buffer
		for buf.Len() < n {
			buf.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(8) == 0 {
				buf.WriteString(" " + strconv.Itoa(rng.IntN(100000)) + "\n")
			} else {
				buf.WriteByte(' ')
			}
		}
		return buf.Bytes()[:n]
	}
	random := func(n int) []byte {
		p := make([]byte, n)
		for i := 0; i+8 <= n; i += 8 {
			v := rng.Uint64()
			for j := range 8 {
				p[i+j] = byte(v >> (8 * j))
			}
		}
		return p
	}
	write := func(name string, data []byte) {
		mustWrite(b, filepath.Join(dir, name), data, 0o644)
		total += int64(len(data))
	}
	for i := range 4 {
		write(fmt.Sprintf("logs/app-%d.log", i), text(32<<20))
	}
	for i := range 2 {
		write(fmt.Sprintf("media/blob-%d.bin", i), random(32<<20))
	}
	for i := range 2 {
		write(fmt.Sprintf("vm/disk-%d.img", i), append(make([]byte, 16<<20-4096), random(4096)...))
	}
	for i := range 1000 {
		write(fmt.Sprintf("small/%03d/file-%d.txt", i/100, i), text(32<<10))
	}
	return dir, total
}

// resetPeakRSS drops the data set's garbage and restarts the kernel's peak RSS count
// (VmHWM), so that peakRSS measures the benchmarked code.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func peakRSS() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func BenchmarkWrite(b *testing.B) {
	dir, total := benchData(b)
	key := newAgeKey(b)
	b.Run("vigie", func(b *testing.B) {
		b.SetBytes(total)
		resetPeakRSS()
		for b.Loop() {
			cw := &countW{}
			w, err := snapshot.NewWriter(cw, key.enc, snapshot.Options{})
			if err != nil {
				b.Fatal(err)
			}
			addTree(b, w, dir)
			if _, _, err := w.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cw.n)/float64(total), "size-ratio")
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("tar|zstd|age", func(b *testing.B) {
		needTools(b, "tar", "zstd", "age")
		b.SetBytes(total)
		for b.Loop() {
			out := mustRun(b, []string{"DIR=" + dir, "R=" + key.id.Recipient().String()},
				`tar -C "$DIR" -cf - . | zstd -q -3 | age -r "$R" | wc -c`)
			n, _ := strconv.ParseFloat(strings.TrimSpace(out), 64)
			b.ReportMetric(n/float64(total), "size-ratio")
		}
	})
}

func BenchmarkRestore(b *testing.B) {
	dir, total := benchData(b)
	key := newAgeKey(b)
	s := writeSnapshot(b, key.enc, key.ids, snapshot.Options{}, func(w *snapshot.Writer) { addTree(b, w, dir) })
	b.Run("vigie", func(b *testing.B) {
		b.SetBytes(total)
		resetPeakRSS()
		for b.Loop() {
			out := filepath.Join(b.TempDir(), "out")
			f, err := os.Open(s.objPath)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := snapshot.Extract(f, s.m, key.ids, out, nil); err != nil {
				b.Fatal(err)
			}
			f.Close()
			os.RemoveAll(out)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("age|zstd|tar", func(b *testing.B) {
		needTools(b, "tar", "zstd", "age")
		b.SetBytes(total)
		for b.Loop() {
			out := filepath.Join(b.TempDir(), "out")
			if err := os.Mkdir(out, 0o755); err != nil {
				b.Fatal(err)
			}
			mustRun(b, []string{"KEY=" + key.keyFile, "OBJ=" + s.objPath, "OUT=" + out},
				`age -d -i "$KEY" "$OBJ" | zstd -d -q | tar -xf - -C "$OUT"`)
			os.RemoveAll(out)
		}
	})
}

// countW counts the object's bytes and drops them, like the shell pipeline's > /dev/null.
type countW struct{ n int64 }

func (c *countW) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
