package source

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// PathsConfig is a "paths" source: directory trees and files.
type PathsConfig struct {
	// Paths are absolute. A root that is a symlink is stored as the symlink, unless it is
	// written with a trailing slash ("/srv/current/"): then the directory it points to is
	// stored under the root's name. Symlinks below a root are never followed.
	Paths []string
	// Include and Exclude are globs matched against the path relative to each root
	// ("www/img/a.png"): * ? and [class] as in path.Match within one segment, ** for any
	// number of segments; a pattern without a slash matches a name at any depth ("*.log",
	// "node_modules"); one with a slash is anchored at the root; a trailing slash matches
	// directories only. Exclude wins, and an excluded directory is not descended. With
	// Include, only matching entries are stored, with the directories that lead to them; a
	// directory that matches brings its whole subtree. A root itself is always stored.
	Include, Exclude []string
	// OneFileSystem stores the directories on which another file system is mounted, empty.
	OneFileSystem bool
}

type pathsRoot struct {
	path   string // absolute and clean
	follow bool   // written with a trailing slash: a symlink root is followed
}

type pathsSource struct {
	name             string
	roots            []pathsRoot
	include, exclude globs
	oneFS            bool
}

// maxWarnings bounds Stats.Warnings; a tree of a million sockets says so in one line.
const maxWarnings = 100

// NewPaths returns a source storing files, directories, symlinks and hard links under
// "files/<name>/<path without its leading slash>", walking each root in lexical order.
// Sockets, devices and FIFOs are skipped with a warning; so is a file that vanishes during
// the walk. A file that changes size while it is read is stored at the size it had when
// opened, truncated or padded with zeros, with a warning. A permission error fails.
// File times are kept to the second.
func NewPaths(name string, c PathsConfig) (Source, error) {
	if err := checkName(TypePaths, name); err != nil {
		return nil, err
	}
	s := &pathsSource{name: name, oneFS: c.OneFileSystem}
	var errs []error
	if len(c.Paths) == 0 {
		errs = append(errs, configError(TypePaths, name, "no paths"))
	}
	for _, p := range c.Paths {
		switch {
		case !filepath.IsAbs(p):
			errs = append(errs, configError(TypePaths, name, "path %s is not absolute", printable(p)))
			continue
		case strings.ContainsRune(p, 0):
			errs = append(errs, configError(TypePaths, name, "path %s contains a NUL byte", printable(p)))
			continue
		}
		r := pathsRoot{path: filepath.Clean(p)}
		r.follow = strings.HasSuffix(p, "/") && r.path != "/"
		s.roots = append(s.roots, r)
	}
	sort.Slice(s.roots, func(i, j int) bool { return s.roots[i].path < s.roots[j].path })
	for i, a := range s.roots {
		for _, b := range s.roots[i+1:] {
			switch {
			case a.path == b.path:
				errs = append(errs, configError(TypePaths, name, "path %s is given twice", printable(a.path)))
			case a.path == "/" || strings.HasPrefix(b.path, a.path+"/"):
				errs = append(errs, configError(TypePaths, name, "path %s is inside %s", printable(b.path), printable(a.path)))
			}
		}
	}
	var err error
	if s.include, err = compileGlobs(c.Include); err != nil {
		errs = append(errs, configError(TypePaths, name, "include: %v", err))
	}
	if s.exclude, err = compileGlobs(c.Exclude); err != nil {
		errs = append(errs, configError(TypePaths, name, "exclude: %v", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func (s *pathsSource) Name() string { return s.name }
func (s *pathsSource) Type() string { return TypePaths }

func (s *pathsSource) Write(ctx context.Context, sink Sink) (Stats, error) {
	w := &walker{
		ctx: ctx, src: s, sink: sink,
		links:   map[fileID]string{},
		emitted: map[string]bool{},
		users:   map[uint32]string{},
		groups:  map[uint32]string{},
	}
	for _, r := range s.roots {
		if err := w.root(r); err != nil {
			return w.finish(), fmt.Errorf("paths source %q: %w", s.name, err)
		}
	}
	return w.finish(), nil
}

type fileID struct{ dev, ino uint64 }

// walker holds one Write's state. It reaches every entry through the file descriptor of its
// directory and never follows a symlink below a root, so a tree changed under it cannot
// make it read outside the roots.
type walker struct {
	ctx     context.Context
	src     *pathsSource
	sink    Sink
	stats   Stats
	dropped int // warnings beyond maxWarnings

	links   map[fileID]string // regular files with several links: first name stored
	emitted map[string]bool   // ancestors of roots already stored
	// pending holds, when Include is set, the directories on the way to the current entry
	// that are stored only if something below them is.
	pending []*tar.Header
	users   map[uint32]string
	groups  map[uint32]string
	rootDev uint64
}

func (w *walker) finish() Stats {
	if w.dropped > 0 {
		w.stats.Warnings = append(w.stats.Warnings, fmt.Sprintf("%d more warnings not listed", w.dropped))
		w.dropped = 0
	}
	return w.stats
}

func (w *walker) warn(format string, args ...any) {
	if len(w.stats.Warnings) >= maxWarnings {
		w.dropped++
		return
	}
	w.stats.Warnings = append(w.stats.Warnings, fmt.Sprintf(format, args...))
}

func (w *walker) root(r pathsRoot) error {
	arc := "files/" + w.src.name + strings.TrimSuffix(r.path, "/")
	if err := w.ancestors(r.path); err != nil {
		return err
	}
	parent, base := filepath.Dir(r.path), filepath.Base(r.path)
	if r.path == "/" {
		base = "."
	}
	dirfd, err := unix.Open(parent, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return pathError("open", parent, err)
	}
	defer unix.Close(dirfd)
	var st unix.Stat_t
	flags := unix.AT_SYMLINK_NOFOLLOW
	if r.follow {
		flags = 0
	}
	if err := unix.Fstatat(dirfd, base, &st, flags); err != nil {
		return pathError("stat", r.path, err)
	}
	w.rootDev = uint64(st.Dev)
	return w.visit(dirfd, base, r.path, arc, "", &st, r.follow, false)
}

// ancestors stores the directories above a root, following symlinks as the root's path does.
func (w *walker) ancestors(root string) error {
	var dirs []string
	for d := filepath.Dir(root); d != "/" && root != "/"; d = filepath.Dir(d) {
		dirs = append(dirs, d)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		arc := "files/" + w.src.name + dirs[i]
		if w.emitted[arc] {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(dirs[i], &st); err != nil {
			return pathError("stat", dirs[i], err)
		}
		if err := w.add(w.header(arc, &st, tar.TypeDir), nil, dirs[i]); err != nil {
			return err
		}
		w.emitted[arc] = true
	}
	return nil
}

// visit stores one entry, found as name in directory dirfd, and what is below it.
// rel is its path relative to the root ("" for the root); within says an ancestor matched
// Include.
func (w *walker) visit(dirfd int, name, fsPath, arc, rel string, st *unix.Stat_t, follow, within bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	isRoot := rel == ""
	kind := st.Mode & unix.S_IFMT
	isDir := kind == unix.S_IFDIR
	if !isRoot && w.src.exclude.match(rel, isDir) {
		return nil
	}
	keepAll := within || len(w.src.include) == 0
	if !isDir && !isRoot && !keepAll && !w.src.include.match(rel, false) {
		return nil
	}
	switch kind {
	case unix.S_IFREG:
		return w.file(dirfd, name, fsPath, arc, follow)
	case unix.S_IFLNK:
		return w.symlink(dirfd, name, fsPath, arc, st)
	case unix.S_IFDIR:
		subtree := keepAll || !isRoot && w.src.include.match(rel, true)
		hdr := w.header(arc, st, tar.TypeDir)
		if isRoot || subtree {
			if err := w.add(hdr, nil, fsPath); err != nil {
				return err
			}
		} else {
			w.pending = append(w.pending, hdr)
		}
		if !w.src.oneFS || uint64(st.Dev) == w.rootDev {
			if err := w.dir(dirfd, name, fsPath, arc, rel, follow, subtree); err != nil {
				return err
			}
		}
		if n := len(w.pending); n > 0 && w.pending[n-1] == hdr {
			w.pending = w.pending[:n-1]
		}
		return nil
	case unix.S_IFSOCK:
		w.warn("%s: skipped a socket", printable(fsPath))
	case unix.S_IFIFO:
		w.warn("%s: skipped a FIFO", printable(fsPath))
	case unix.S_IFCHR, unix.S_IFBLK:
		w.warn("%s: skipped a device", printable(fsPath))
	default:
		w.warn("%s: skipped a file of unknown type %#o", printable(fsPath), kind)
	}
	return nil
}

func (w *walker) dir(dirfd int, name, fsPath, arc, rel string, follow, within bool) error {
	flags := unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC | unix.O_NOFOLLOW
	if follow {
		flags &^= unix.O_NOFOLLOW
	}
	fd, err := openat(dirfd, name, flags)
	if err != nil {
		return w.openFailed(fsPath, err)
	}
	f := os.NewFile(uintptr(fd), fsPath)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return pathError("read directory", fsPath, err)
	}
	sort.Strings(names)
	for _, n := range names {
		childPath := strings.TrimSuffix(fsPath, "/") + "/" + n
		childRel := n
		if rel != "" {
			childRel = rel + "/" + n
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if err == unix.ENOENT {
				w.warn("%s: vanished before it was read", printable(childPath))
				continue
			}
			return pathError("stat", childPath, err)
		}
		if err := w.visit(fd, n, childPath, arc+"/"+n, childRel, &st, false, within); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) file(dirfd int, name, fsPath, arc string, follow bool) error {
	// O_NONBLOCK: a FIFO swapped in after the stat must not block the open.
	flags := unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOFOLLOW | unix.O_NOATIME
	if follow {
		flags &^= unix.O_NOFOLLOW
	}
	fd, err := openat(dirfd, name, flags)
	if err == unix.EPERM {
		// O_NOATIME is for the file's owner (or root) only.
		fd, err = openat(dirfd, name, flags&^unix.O_NOATIME)
	}
	if err != nil {
		return w.openFailed(fsPath, err)
	}
	f := os.NewFile(uintptr(fd), fsPath)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return pathError("stat", fsPath, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		w.warn("%s: changed type while being read; skipped", printable(fsPath))
		return nil
	}
	hdr := w.header(arc, &st, tar.TypeReg)
	id := fileID{uint64(st.Dev), uint64(st.Ino)}
	if st.Nlink > 1 {
		if first, ok := w.links[id]; ok {
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, first
			return w.add(hdr, nil, fsPath)
		}
	}
	hdr.Size = st.Size
	body := &fileBody{ctx: w.ctx, f: f, remain: st.Size}
	if err := w.add(hdr, body, fsPath); err != nil {
		return err
	}
	w.stats.Bytes += hdr.Size
	if st.Nlink > 1 {
		w.links[id] = arc
	}
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil {
		return pathError("stat", fsPath, err)
	}
	if body.short || now.Size != st.Size {
		how := "truncated"
		if body.short {
			how = "padded with zeros"
		}
		w.warn("%s: changed size while being read (%d bytes when opened, %d after); stored %d bytes, %s",
			printable(fsPath), st.Size, now.Size, st.Size, how)
	}
	return nil
}

func (w *walker) symlink(dirfd int, name, fsPath, arc string, st *unix.Stat_t) error {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(dirfd, name, buf)
		switch {
		case err == unix.ENOENT:
			w.warn("%s: vanished before it was read", printable(fsPath))
			return nil
		case err == unix.EINVAL:
			w.warn("%s: changed type while being read; skipped", printable(fsPath))
			return nil
		case err != nil:
			return pathError("readlink", fsPath, err)
		case n < len(buf):
			hdr := w.header(arc, st, tar.TypeSymlink)
			hdr.Linkname = string(buf[:n])
			return w.add(hdr, nil, fsPath)
		}
		buf = make([]byte, 2*len(buf))
	}
}

// openFailed turns the races of a live tree into warnings and anything else into an error.
func (w *walker) openFailed(fsPath string, err error) error {
	switch err {
	case unix.ENOENT:
		w.warn("%s: vanished before it was read", printable(fsPath))
		return nil
	case unix.ELOOP, unix.ENOTDIR, unix.ENXIO:
		w.warn("%s: changed type while being read; skipped", printable(fsPath))
		return nil
	}
	return pathError("open", fsPath, err)
}

// add stores hdr, after the pending directories leading to it.
func (w *walker) add(hdr *tar.Header, body io.Reader, fsPath string) error {
	for _, d := range w.pending {
		if err := w.sink.Add(d, nil); err != nil {
			return fmt.Errorf("%s: %w", printable(d.Name), err)
		}
		w.stats.Entries++
	}
	w.pending = w.pending[:0]
	if err := w.sink.Add(hdr, body); err != nil {
		return fmt.Errorf("%s: %w", printable(fsPath), err)
	}
	w.stats.Entries++
	return nil
}

func (w *walker) header(arc string, st *unix.Stat_t, typ byte) *tar.Header {
	sec, _ := st.Mtim.Unix()
	return &tar.Header{
		Typeflag: typ,
		Name:     arc,
		Mode:     int64(st.Mode & 0o7777),
		Uid:      int(st.Uid),
		Gid:      int(st.Gid),
		Uname:    w.userName(st.Uid),
		Gname:    w.groupName(st.Gid),
		ModTime:  time.Unix(sec, 0),
	}
}

func (w *walker) userName(uid uint32) string {
	name, ok := w.users[uid]
	if !ok {
		if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
			name = u.Username
		}
		w.users[uid] = name
	}
	return name
}

func (w *walker) groupName(gid uint32) string {
	name, ok := w.groups[gid]
	if !ok {
		if g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10)); err == nil {
			name = g.Name
		}
		w.groups[gid] = name
	}
	return name
}

// fileBody yields exactly the size a file had when opened: the file's bytes, then zeros
// if it shrank; never what it grew by.
type fileBody struct {
	ctx    context.Context
	f      *os.File
	remain int64
	short  bool // the file ended early; the rest is zeros
}

func (b *fileBody) Read(p []byte) (int, error) {
	if b.remain <= 0 {
		return 0, io.EOF
	}
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	if !b.short {
		n, err := b.f.Read(p)
		b.remain -= int64(n)
		switch {
		case n > 0:
			return n, nil
		case err == io.EOF:
			b.short = true
		case err != nil:
			return 0, err
		default:
			return 0, nil
		}
	}
	clear(p)
	b.remain -= int64(len(p))
	return len(p), nil
}

func openat(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

func pathError(op, path string, err error) error {
	return &fs.PathError{Op: op, Path: printable(path), Err: err}
}
