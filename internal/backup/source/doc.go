// Package source reads what a backup job keeps — directory trees, database dumps, the output of
// a command — and writes it into a snapshot Sink, streaming: nothing is read whole into memory.
//
// Names inside the snapshot, for a source called N:
//
//	files/N/<absolute path without its leading slash>/...   paths (a root /srv/www is files/N/srv/www)
//	db/N.pgdump    PostgreSQL, pg_dump custom format (restore with pg_restore)
//	db/N.sql       MariaDB/MySQL, SQL text (restore with mariadb DB < N.sql)
//	db/N.rdb       Redis, an RDB file
//	db/N.sqlite    SQLite, a database file
//	db/N.archive   MongoDB, a mongodump archive (restore with mongorestore --archive)
//	cmd/<output>   a command's standard output (default output name N.out)
//
// Paths keep the whole absolute path of each root, so that two roots with the same base name
// (/srv/a/data, /srv/b/data) never collide and a restore under a target directory T rebuilds
// T/srv/www; the ancestors of a root (/srv here) are stored as directories with their own
// owner, mode and time.
//
// Dumps run the database's own client (pg_dump, mariadb-dump, redis-cli, mongodump) and stream
// its standard output. Passwords never appear in a command line, which any local user can read
// in /proc: they go through the environment the client reads them from (PGPASSWORD,
// MYSQL_PWD, REDISCLI_AUTH) or, for mongodump, a private 0600 file. A dump whose command exits
// non-zero fails: its stream ends with a *CommandError, carrying the last lines of the
// command's standard error with any password blanked out, so the snapshot that holds it fails
// too.
//
// No temporary files, with two exceptions: SQLite cannot stream a consistent copy of a live
// database, so its source writes one with VACUUM INTO to a private temporary directory,
// streams it and removes it; and mongodump reads its URI from a 0600 file in a private
// temporary directory, removed when the dump ends.
//
// Restorers put a dump back into a database, and SmokeQuery asks a restored database one
// question; both use the same command-line clients, so this package needs no SQL driver for
// servers. SQLite is reached through modernc.org/sqlite's driver connection directly.
package source

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
)

// Sink receives what a source writes. internal/backup/snapshot's Writer implements it.
type Sink interface {
	// Add adds a directory, symlink, hard link or regular file described by a tar header
	// (Name: slash-separated path inside the snapshot, relative, cleaned); for a regular file
	// body yields exactly hdr.Size bytes.
	Add(hdr *tar.Header, body io.Reader) error
	// Stream adds data of unknown length (a database dump) under name.
	Stream(name string, mode int64, body io.Reader) error
}

// Source is one thing a backup job keeps.
type Source interface {
	// Name comes from the configuration, is unique per job and names the source's entries
	// in the snapshot.
	Name() string
	// Type is one of the Type* constants.
	Type() string
	// Write streams the source into sink. Problems that lose nothing the source was asked to
	// keep (a file that vanished, a socket skipped) are warnings in Stats, not errors.
	Write(ctx context.Context, sink Sink) (Stats, error)
}

// Stats says what a Write stored.
type Stats struct {
	Entries  int   // entries added to the sink
	Bytes    int64 // bytes of file content and dumps
	Warnings []string
}

// Source types, as Type returns them and the configuration spells them.
const (
	TypePaths    = "paths"
	TypePostgres = "postgres"
	TypeMariaDB  = "mariadb"
	TypeRedis    = "redis"
	TypeSQLite   = "sqlite"
	TypeMongoDB  = "mongodb"
	TypeCommand  = "command"
)

// ErrConfig is wrapped by every error a constructor returns about its configuration.
var ErrConfig = errors.New("invalid backup source")

// dumpMode is the mode of dump entries: they hold a whole database.
const dumpMode = 0o600

// checkName keeps source names usable as one path component of the snapshot.
func checkName(typ, name string) error {
	ok := name != ""
	for i, c := range []byte(name) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		ok = ok && (alnum || i > 0 && (c == '.' || c == '_' || c == '-'))
	}
	if !ok {
		return fmt.Errorf("%w: %s source name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", ErrConfig, typ, name)
	}
	return nil
}

func configError(typ, name, format string, args ...any) error {
	return fmt.Errorf("%w: %s source %q: %s", ErrConfig, typ, name, fmt.Sprintf(format, args...))
}

// printable quotes names that would disturb an error or warning line (newlines, control
// characters, invalid UTF-8) and leaves the others as they are.
func printable(s string) string {
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
