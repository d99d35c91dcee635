package s3

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"

	"vigie/internal/backup/target"
	"vigie/internal/backup/target/targettest"
)

// fakeS3 is an in-process S3 server (gofakes3 with its in-memory backend) on loopback.
type fakeS3 struct {
	endpoint string
	backend  *s3mem.Backend
	buckets  atomic.Int64
}

func startS3(t *testing.T) *fakeS3 {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return &fakeS3{endpoint: srv.URL, backend: backend}
}

// bucket creates a new, empty bucket.
func (f *fakeS3) bucket(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("bucket-%d", f.buckets.Add(1))
	if err := f.backend.CreateBucket(name); err != nil {
		t.Fatal(err)
	}
	return name
}

func (f *fakeS3) config(bucket, prefix string) Config {
	return Config{
		Endpoint:  f.endpoint, // http://127.0.0.1:port
		Bucket:    bucket,
		Prefix:    prefix,
		Region:    "us-east-1",
		AccessKey: "vigie-test",
		SecretKey: "s3cr3t-key-that-must-not-leak",
		PartSize:  minPartSize,
		Timeout:   10 * time.Second,
	}
}

func newT(t *testing.T, cfg Config) *Target {
	t.Helper()
	tg, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	return tg
}

func TestConformance(t *testing.T) {
	srv := startS3(t)
	t.Run("Prefix", func(t *testing.T) {
		// Targets share a bucket under different prefixes, as teams do.
		bucket := srv.bucket(t)
		var n atomic.Int64
		targettest.Run(t, func(t *testing.T) target.Target {
			return newT(t, srv.config(bucket, fmt.Sprintf("/vigie/prod-%d/", n.Add(1))))
		})
	})
	t.Run("WholeBucket", func(t *testing.T) {
		targettest.Run(t, func(t *testing.T) target.Target {
			return newT(t, srv.config(srv.bucket(t), ""))
		})
	})
}

func TestString(t *testing.T) {
	srv := startS3(t)
	cfg := srv.config(srv.bucket(t), "/a/b/")
	tg := newT(t, cfg)
	host := strings.TrimPrefix(srv.endpoint, "http://")
	if got, want := tg.String(), "s3://"+host+"/"+cfg.Bucket+"/a/b"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCleanupAbortsIncompleteUploads(t *testing.T) {
	srv := startS3(t)
	bucket := srv.bucket(t)
	tg := newT(t, srv.config(bucket, "mine"))
	ctx := t.Context()
	// What a Put killed after its first part leaves: an upload never completed; and one
	// under another prefix, which is not this target's.
	for _, key := range []string{"mine/web/killed.tar", "theirs/web/running.tar"} {
		id, err := tg.core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data := targettest.Data(minPartSize, 1)
		if _, err := tg.core.PutObjectPart(ctx, bucket, key, id, 1, bytes.NewReader(data), int64(len(data)), minio.PutObjectPartOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if objs, err := tg.List(ctx, ""); err != nil || len(objs) != 0 {
		t.Errorf("List() = %v, %v; want nothing", objs, err)
	}
	if _, err := tg.Get(ctx, "web/killed.tar"); err == nil {
		t.Error("Get of an incomplete upload succeeded")
	}
	if n, err := tg.Cleanup(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("Cleanup(1h) = %d, %v; want 0", n, err)
	}
	if n, err := tg.Cleanup(ctx, 0); err != nil || n != 1 {
		t.Errorf("Cleanup(0) = %d, %v; want 1", n, err)
	}
	res, err := tg.core.ListMultipartUploads(ctx, bucket, "", "", "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploads) != 1 || res.Uploads[0].Key != "theirs/web/running.tar" {
		t.Errorf("uploads left = %+v, want only the other prefix's", res.Uploads)
	}
}

func TestFailedMultipartPutIsAborted(t *testing.T) {
	srv := startS3(t)
	bucket := srv.bucket(t)
	tg := newT(t, srv.config(bucket, ""))
	ctx, cancel := context.WithCancel(t.Context())
	// Two parts go up, then the source's context ends.
	src := &cancelAfter{n: 2*minPartSize + 1, cancel: cancel}
	if _, err := tg.Put(ctx, "web/big.tar", src); err == nil {
		t.Fatal("Put succeeded")
	}
	res, err := tg.core.ListMultipartUploads(t.Context(), bucket, "", "", "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Uploads) != 0 {
		t.Errorf("uploads left after a failed Put = %+v, want it aborted", res.Uploads)
	}
}

type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
		return len(p), nil
	}
	n := min(len(p), c.n)
	c.n -= n
	return n, nil
}

func TestConfigChecks(t *testing.T) {
	srv := startS3(t)
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Bucket = "missing" }, `bucket "missing" does not exist`},
		{func(c *Config) { c.Bucket = "" }, "bucket is required"},
		{func(c *Config) { c.Endpoint = "" }, "endpoint is required"},
		{func(c *Config) { c.Endpoint = "ftp://host" }, "want host[:port]"},
		{func(c *Config) { c.Endpoint = "https://host/path" }, "want host[:port]"},
		{func(c *Config) { c.PartSize = 1 << 20 }, "below S3's minimum"},
		{func(c *Config) { c.Prefix = "a/../b" }, "invalid backup object name"},
	} {
		cfg := srv.config(srv.bucket(t), "")
		c.change(&cfg)
		if _, err := New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%v) error = %v, want %q", cfg, err, c.want)
		}
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	cfg := Config{Endpoint: closed, Insecure: true, Bucket: "backups", AccessKey: "a", SecretKey: "s", Timeout: time.Second}
	start := time.Now()
	_, err = New(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), closed) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("New against a closed port: %v, want connection refused naming %s", err, closed)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("New against a closed port took %s", d)
	}

	// A server that accepts and never answers.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // until the listener closes
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	cfg.Endpoint = l.Addr().String()
	cfg.Timeout = 500 * time.Millisecond
	start = time.Now()
	_, err = New(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), cfg.Endpoint) || !strings.Contains(err.Error(), "no answer within 500ms") {
		t.Errorf("New against a silent server: %v, want \"no answer within 500ms\" naming %s", err, cfg.Endpoint)
	}
	if d := time.Since(start); d < cfg.Timeout || d > 5*time.Second {
		t.Errorf("New against a silent server took %s, want about %s", d, cfg.Timeout)
	}
}

func TestSecretsStayOut(t *testing.T) {
	srv := startS3(t)
	cfg := srv.config(srv.bucket(t), "p")
	secret := cfg.SecretKey
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("target", "config", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("target", "config", cfg)
	outputs := []string{logs.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)}

	tg := newT(t, cfg)
	outputs = append(outputs, tg.String())
	_, err := tg.Get(t.Context(), "missing")
	outputs = append(outputs, fmt.Sprint(err))
	_, err = tg.Put(t.Context(), "x", failing{})
	outputs = append(outputs, fmt.Sprint(err))
	bad := cfg
	bad.Bucket = "missing"
	_, err = New(t.Context(), bad)
	outputs = append(outputs, fmt.Sprint(err))
	bad = cfg
	bad.Endpoint = "127.0.0.1:1"
	bad.Timeout = 200 * time.Millisecond
	_, err = New(t.Context(), bad)
	outputs = append(outputs, fmt.Sprint(err))
	for _, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("secret key appears in %q", out)
		}
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, fmt.Errorf("source failed") }
