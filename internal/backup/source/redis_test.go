package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisServer starts a redis-server of the test's own on a free loopback port, with a
// password, its files in dir; it is stopped after the test.
func redisServer(t *testing.T, dir string) RedisConfig {
	t.Helper()
	needBinary(t, "redis-server", "redis-cli")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := RedisConfig{Host: "127.0.0.1", Port: port, Password: "Redis-S3cret-" + randomHex(6)}
	// The configuration on standard input keeps the password out of the server's argv too.
	// Without the diskless sync delay, a dump starts at once instead of after 5 s.
	cmd := exec.Command("redis-server", "-")
	cmd.Stdin = strings.NewReader(fmt.Sprintf("port %d\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir %s\ndbfilename dump.rdb\nrequirepass %s\nrepl-diskless-sync-delay 0\n", port, dir, c.Password))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, err := redisCLI(c, "PING")
		if err == nil && out == "PONG" {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v %s\n%s", err, out, log.String())
		}
	}
}

// redisCLI runs commands, one a line, and returns the output.
func redisCLI(c RedisConfig, commands ...string) (string, error) {
	cmd := command{path: "redis-cli", args: []string{"-h", c.Host, "-p", strconv.Itoa(c.Port)}, env: []string{"REDISCLI_AUTH=" + c.Password}}
	out, err := cmd.run(context.Background(), strings.NewReader(strings.Join(commands, "\n")+"\n"))
	return strings.TrimSpace(string(out)), err
}

func TestRedisRoundTrip(t *testing.T) {
	c := redisServer(t, t.TempDir())
	var sets []string
	for i := range 100 {
		sets = append(sets, fmt.Sprintf("SET key:%d value-%d", i, i))
	}
	sets = append(sets, "RPUSH list a b c", "HSET hash f v")
	if _, err := redisCLI(c, sets...); err != nil {
		t.Fatal(err)
	}

	src, err := NewRedis("cache", c)
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "cache" || src.Type() != TypeRedis {
		t.Errorf("Name, Type = %q, %q", src.Name(), src.Type())
	}
	sink := newMemSink()
	stats, err := src.Write(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	rdb := sink.data["db/cache.rdb"]
	if !bytes.HasPrefix(rdb, []byte("REDIS00")) || stats.Bytes != int64(len(rdb)) || stats.Entries != 1 {
		t.Fatalf("not an RDB file (%d bytes, stats %+v): %q", len(rdb), stats, rdb[:min(16, len(rdb))])
	}

	// redis-check-rdb accepts it, and another server loads it whole.
	dir := t.TempDir()
	file := filepath.Join(dir, "dump.rdb")
	if err := os.WriteFile(file, rdb, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("redis-check-rdb"); err == nil {
		out, err := exec.Command("redis-check-rdb", file).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "RDB looks OK") {
			t.Errorf("redis-check-rdb: %v\n%s", err, out)
		}
	}
	loaded := redisServer(t, dir)
	if out, err := redisCLI(loaded, "DBSIZE", "GET key:42", "LRANGE list 0 -1", "HGET hash f"); err != nil || out != "102\nvalue-42\na\nb\nc\nv" {
		t.Errorf("restored server holds %q (%v)", out, err)
	}
}

func TestRedisWrongPassword(t *testing.T) {
	c := redisServer(t, t.TempDir())
	right := c.Password
	c.Password = "Wr0ng-" + randomHex(6)
	src, err := NewRedis("cache", c)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	_, err = src.Write(context.Background(), sink)
	if err == nil {
		t.Fatal("a wrong password succeeded")
	}
	if !strings.Contains(err.Error(), "AUTH failed") {
		t.Errorf("error does not say why: %v", err)
	}
	mustNotContain(t, "error", err.Error(), c.Password)
	mustNotContain(t, "error", err.Error(), right)
	if _, kept := sink.data["db/cache.rdb"]; kept {
		t.Error("the sink kept a failed dump")
	}
}

func TestNewRedisConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		c    RedisConfig
		want string
	}{
		{RedisConfig{Port: 65536}, "port 65536 out of range"},
		{RedisConfig{Socket: "/run/redis.sock", Host: "h"}, "either socket or host"},
		{RedisConfig{ExtraArgs: []string{"-a", "Secret"}}, "extra argument -a is not allowed"},
		{RedisConfig{ExtraArgs: []string{"-u", "redis://:Secret@h"}}, "extra argument -u is not allowed"},
	} {
		_, err := NewRedis("n", tt.c)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.c, err, tt.want)
		}
		if err != nil {
			mustNotContain(t, "config error", err.Error(), "Secret")
		}
	}
}
