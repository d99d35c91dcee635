package source

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// RedisConfig is a "redis" source: the server's RDB snapshot, fetched by redis-cli 7 or later.
type RedisConfig struct {
	Host      string // default 127.0.0.1
	Port      int    // default 6379
	Socket    string // a Unix socket instead of Host and Port
	User      string // an ACL user; default the "default" user
	Password  string // passed in REDISCLI_AUTH
	RedisCLI  string // default "redis-cli"
	ExtraArgs []string
}

type redisSource struct {
	name string
	c    RedisConfig
}

// NewRedis returns a source storing the output of `redis-cli --rdb -` as "db/<name>.rdb".
// The server sends the RDB as to a new replica (after repl-diskless-sync-delay, 5 s by
// default, when it syncs diskless); redis-cli streams it to its standard output.
func NewRedis(name string, c RedisConfig) (Source, error) {
	if err := checkName(TypeRedis, name); err != nil {
		return nil, err
	}
	var errs []error
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, configError(TypeRedis, name, "port %d out of range", c.Port))
	}
	if c.Socket != "" && (c.Host != "" || c.Port != 0) {
		errs = append(errs, configError(TypeRedis, name, "set either socket or host and port, not both"))
	}
	if err := checkExtraArgs(c.ExtraArgs, "-a", "--pass", "--askpass", "-u", "--rdb"); err != nil {
		errs = append(errs, configError(TypeRedis, name, "%v", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &redisSource{name: name, c: c}, nil
}

func (s *redisSource) Name() string { return s.name }
func (s *redisSource) Type() string { return TypeRedis }

func (s *redisSource) Write(ctx context.Context, sink Sink) (Stats, error) {
	st, err := s.dumpCommand().stream(ctx, sink, "db/"+s.name+".rdb")
	if err != nil {
		return Stats{}, fmt.Errorf("redis source %q: %w", s.name, err)
	}
	return st, nil
}

func (s *redisSource) dumpCommand() command {
	var args []string
	if s.c.Socket != "" {
		args = append(args, "-s", s.c.Socket)
	} else {
		port := s.c.Port
		if port == 0 {
			port = 6379
		}
		args = append(args, "-h", or(s.c.Host, "127.0.0.1"), "-p", strconv.Itoa(port))
	}
	if s.c.User != "" {
		args = append(args, "--user", s.c.User)
	}
	args = append(args, s.c.ExtraArgs...)
	// An older redis-cli takes "-" for a file name and prints nothing: the magic catches it.
	args = append(args, "--rdb", "-")
	c := command{path: or(s.c.RedisCLI, "redis-cli"), args: args, secrets: []string{s.c.Password}, magic: "REDIS"}
	if s.c.Password != "" {
		c.env = []string{"REDISCLI_AUTH=" + s.c.Password}
	}
	return c
}
