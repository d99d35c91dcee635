// Command backup times vigie's backup and restore beside restic (Debian's) and the shell
// pipeline tar | zstd | age (the limit: the same work with nothing around it), on the same
// data set in one run, and prints medians of wall time and peak RSS with ratios.
//
//	go run ./bench/backup -data /var/tmp/vigie-bench-data -size 2GiB -runs 3
//
// The data set (many small text files plus a few large files, one of them incompressible)
// is generated once into -data and reused. Each tool writes to its own empty place on the
// same disk, every run, and restores into a new empty directory; caches are warm for all, and
// `sync` runs before each timed step.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	data := flag.String("data", "/var/tmp/vigie-bench-data", "where the data set is (generated if missing)")
	work := flag.String("work", "/var/tmp/vigie-bench-work", "scratch space for repositories and restores")
	sizeGiB := flag.Float64("size", 2, "data set size in GiB")
	runs := flag.Int("runs", 3, "runs of each tool")
	flag.Parse()
	if err := run(*data, *work, int64(*sizeGiB*(1<<30)), *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench/backup:", err)
		os.Exit(1)
	}
}

type measure struct {
	wall time.Duration
	rss  int64 // KiB, summed over the processes of a pipeline
}

type tool struct {
	name             string
	setup            func() error
	backup, restore  func(dst string) (measure, error)
	backups, restors []measure
}

func run(data, work string, size int64, runs int) error {
	for _, bin := range []string{"restic", "age", "age-keygen", "zstd", "tar", "/usr/bin/time"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s is missing: apt-get install restic age zstd tar time", bin)
		}
	}
	if err := ensureData(data, size); err != nil {
		return err
	}
	files, bytes, err := treeSize(data)
	if err != nil {
		return err
	}
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	vigie := filepath.Join(work, "vigie")
	if out, err := exec.Command("go", "build", "-o", vigie, "./cmd/vigie").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	key := filepath.Join(work, "key.txt")
	if out, err := exec.Command("age-keygen", "-o", key).CombinedOutput(); err != nil {
		return fmt.Errorf("age-keygen: %v\n%s", err, out)
	}
	recipient, err := exec.Command("age-keygen", "-y", key).Output()
	if err != nil {
		return err
	}
	pw := filepath.Join(work, "restic.pw")
	os.WriteFile(pw, []byte("bench-password\n"), 0o600)
	cfg := filepath.Join(work, "vigie.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`storage: {path: %s/vigie.db}
log: {level: error}
backups:
  signing_key_file: %s/signing.key
  jobs:
    - name: bench
      recipients: [%s]
      sources: [{name: data, type: paths, paths: {roots: [%s]}}]
      targets: [{name: disk, type: local, local: {dir: %s/vigie-target}}]
`, work, work, strings.TrimSpace(string(recipient)), data, work)), 0o600)

	target := func(name string) string { return filepath.Join(work, name) }
	fresh := func(dirs ...string) error {
		for _, d := range dirs {
			os.RemoveAll(d)
			if err := os.MkdirAll(d, 0o700); err != nil {
				return err
			}
		}
		return nil
	}
	tools := []*tool{
		{name: "vigie",
			setup: func() error { return fresh(target("vigie-target")) },
			backup: func(string) (measure, error) {
				return timed("", vigie, "-c", cfg, "backup", "run", "bench")
			},
			restore: func(dst string) (measure, error) {
				return timed("", vigie, "-c", cfg, "backup", "restore", "bench", "latest", "--to", dst, "-i", key)
			}},
		{name: "restic",
			setup: func() error {
				if err := fresh(target("restic-repo")); err != nil {
					return err
				}
				_, err := timed("", "restic", "-q", "-r", target("restic-repo"), "--password-file", pw, "init")
				return err
			},
			backup: func(string) (measure, error) {
				return timed("", "restic", "-q", "-r", target("restic-repo"), "--password-file", pw, "backup", data)
			},
			restore: func(dst string) (measure, error) {
				return timed("", "restic", "-q", "-r", target("restic-repo"), "--password-file", pw, "restore", "latest", "--target", dst)
			}},
		{name: "tar|zstd|age",
			setup: func() error { return fresh(target("pipe")) },
			backup: func(string) (measure, error) {
				// sync makes the file durable, as vigie's targets do before a snapshot counts.
				return pipeline(work, fmt.Sprintf(`tar -C / -cf - %q | %%T zstd -q -3 -T0 | %%T age -r %s -o %q && sync %q`,
					strings.TrimPrefix(data, "/"), strings.TrimSpace(string(recipient)), target("pipe/data.tar.zst.age"), target("pipe/data.tar.zst.age")))
			},
			restore: func(dst string) (measure, error) {
				return pipeline(work, fmt.Sprintf(`age -d -i %q %q | %%T zstd -q -d | %%T tar -C %q -xf -`, key, target("pipe/data.tar.zst.age"), dst))
			}},
	}
	fmt.Printf("data set: %d files, %.2f GiB, in %s\n", files, float64(bytes)/(1<<30), data)
	for r := range runs {
		for _, t := range tools {
			if err := t.setup(); err != nil {
				return fmt.Errorf("%s setup: %w", t.name, err)
			}
			settle()
			m, err := t.backup("")
			if err != nil {
				return fmt.Errorf("%s backup: %w", t.name, err)
			}
			t.backups = append(t.backups, m)
			// A new directory each time: right after a tree of 60,000 files is deleted, ext4
			// scans its recently freed inodes on every file created (recently_deleted), which
			// would time the file system's housekeeping, not the restore.
			dst := target(fmt.Sprintf("restore-%d-%s", r, strings.ReplaceAll(t.name, "|", "-")))
			if err := fresh(dst); err != nil {
				return err
			}
			settle()
			m2, err := t.restore(dst)
			if err != nil {
				return fmt.Errorf("%s restore: %w", t.name, err)
			}
			t.restors = append(t.restors, m2)
			gotFiles, gotBytes, err := treeSize(dst)
			if err != nil || gotFiles != files || gotBytes != bytes {
				return fmt.Errorf("%s restored %d files, %d bytes (%v); want %d, %d", t.name, gotFiles, gotBytes, err, files, bytes)
			}
			fmt.Printf("run %d %-13s backup %6.1f s %5d MiB   restore %6.1f s %5d MiB\n", r+1, t.name,
				m.wall.Seconds(), m.rss>>10, m2.wall.Seconds(), m2.rss>>10)
		}
	}
	limit := tools[2]
	fmt.Printf("\nmedians of %d runs, %.2f GiB, %d files (ratio to tar|zstd|age)\n", runs, float64(bytes)/(1<<30), files)
	fmt.Printf("%-13s %10s %7s %10s %7s %9s %9s\n", "", "backup", "ratio", "restore", "ratio", "RSS bk", "RSS rs")
	for _, t := range tools {
		b, r := median(t.backups), median(t.restors)
		fmt.Printf("%-13s %8.1f s %6.2fx %8.1f s %6.2fx %5d MiB %5d MiB\n", t.name, b.wall.Seconds(), b.wall.Seconds()/median(limit.backups).wall.Seconds(),
			r.wall.Seconds(), r.wall.Seconds()/median(limit.restors).wall.Seconds(), b.rss>>10, r.rss>>10)
	}
	return nil
}

// settle writes out what earlier steps left dirty in the page cache, so that no tool pays
// for another's writes.
func settle() {
	exec.Command("sync").Run()
}

// timed runs a command under GNU time and returns its wall time and peak RSS.
func timed(dir string, name string, args ...string) (measure, error) {
	f, err := os.CreateTemp("", "time-")
	if err != nil {
		return measure{}, err
	}
	defer os.Remove(f.Name())
	f.Close()
	cmd := exec.Command("/usr/bin/time", append([]string{"-o", f.Name(), "-f", "%e %M", name}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return measure{}, fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	ms, err := readTimes(f.Name())
	if err != nil || len(ms) != 1 {
		return measure{}, fmt.Errorf("reading GNU time's output: %v", err)
	}
	return ms[0], nil
}

// pipeline runs a shell pipeline whose every stage is timed (%T marks the later ones) and
// returns the whole pipeline's wall time with the sum of the stages' peak RSS.
func pipeline(dir, script string) (measure, error) {
	f, err := os.CreateTemp("", "time-")
	if err != nil {
		return measure{}, err
	}
	defer os.Remove(f.Name())
	f.Close()
	timer := "/usr/bin/time -a -o " + f.Name() + ` -f "%e %M"`
	script = timer + " " + strings.ReplaceAll(script, "%T", timer)
	start := time.Now()
	cmd := exec.Command("bash", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return measure{}, fmt.Errorf("%s: %v\n%s", script, err, out)
	}
	wall := time.Since(start)
	ms, err := readTimes(f.Name())
	if err != nil {
		return measure{}, err
	}
	var rss int64
	for _, m := range ms {
		rss += m.rss
	}
	return measure{wall: wall, rss: rss}, nil
}

func readTimes(path string) ([]measure, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []measure
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue // "Command exited with non-zero status" lines
		}
		secs, err1 := strconv.ParseFloat(fields[0], 64)
		kib, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, measure{wall: time.Duration(secs * float64(time.Second)), rss: kib})
	}
	return out, sc.Err()
}

func median(ms []measure) measure {
	walls := make([]time.Duration, len(ms))
	rss := make([]int64, len(ms))
	for i, m := range ms {
		walls[i], rss[i] = m.wall, m.rss
	}
	slices.Sort(walls)
	slices.Sort(rss)
	return measure{wall: walls[len(walls)/2], rss: rss[len(rss)/2]}
}

// treeSize counts the regular files under dir and their bytes.
func treeSize(dir string) (files int, bytes int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			files++
			bytes += info.Size()
		}
		return nil
	})
	return files, bytes, err
}

var words = strings.Fields(`the of and to in is that for it as with was on be by this are or at from an have not
which but all were when we there can more if no out so said what up its about into than them only other new some
could time these two may then do first any my now such like our over man me even most made after also did many
backup restore server monitor alert status page incident latency error request response database customer invoice`)

// ensureData writes the data set unless a complete one is there: a quarter in small text
// files of 1-16 KiB, the rest in three large files: a log, a half-zero image and random bytes.
func ensureData(dir string, size int64) error {
	marker := filepath.Join(dir, ".complete-"+strconv.FormatInt(size, 10))
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	os.RemoveAll(dir)
	fmt.Printf("generating %.2f GiB of data in %s...\n", float64(size)/(1<<30), dir)
	rng := rand.New(rand.NewPCG(42, 1))
	text := func(n int) []byte {
		b := make([]byte, 0, n+16)
		for len(b) < n {
			b = append(b, words[rng.IntN(len(words))]...)
			if rng.IntN(12) == 0 {
				b = append(b, '\n')
			} else {
				b = append(b, ' ')
			}
		}
		return b[:n]
	}
	var written int64
	for i := 0; written < size/4; i++ {
		sub := filepath.Join(dir, "small", fmt.Sprintf("%03d", i%512))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		n := 1024 + rng.IntN(15*1024)
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%06d.txt", i)), text(n), 0o644); err != nil {
			return err
		}
		written += int64(n)
	}
	large := (size - written) / 3
	for _, name := range []string{"app.log", "disk.img", "random.bin"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		chunk := make([]byte, 1<<20)
		for done := int64(0); done < large; done += int64(len(chunk)) {
			switch name {
			case "app.log":
				chunk = text(len(chunk))
			case "disk.img":
				clear(chunk)
				if rng.IntN(2) == 0 {
					for i := range chunk {
						chunk[i] = byte(rng.Uint32())
					}
				}
			default:
				for i := range chunk {
					chunk[i] = byte(rng.Uint32())
				}
			}
			if _, err := w.Write(chunk[:min(int64(len(chunk)), large-done)]); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		f.Close()
	}
	return os.WriteFile(marker, nil, 0o600)
}
