// Package s3 is a backup target in an S3 compatible bucket (AWS S3, MinIO, Ceph RGW, Garage,
// Wasabi...). See package target for the promises every target keeps; here they rest on S3's
// own guarantees:
//
//   - an object is written by one PUT, or by a multipart upload completed only once every part
//     is in, so no reader ever sees half an object; an upload that fails is aborted, and one
//     that was killed is an incomplete multipart upload, which Cleanup aborts;
//   - Put checks that the name is free and sends "If-None-Match: *" with the PUT or the
//     completion, so that a server with conditional writes (AWS since 2024, MinIO) refuses to
//     overwrite even a racing writer; other servers only get the check;
//   - the lock is an object created with "If-None-Match: *" and refreshed or taken over with
//     "If-Match: <ETag>", which makes it exclusive on servers with conditional writes. Servers
//     that ignore those headers get a weaker lock: every write is read back and the writer
//     whose token is not there backs off, but two contenders whose write and read-back do not
//     overlap can both believe they won. Use such servers with one scheduler per bucket
//     prefix.
package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"vigie/internal/backup/target"
)

// Config says where the bucket is and how to sign requests.
type Config struct {
	// Endpoint is "host[:port]", or a URL "https://host[:port]" ("http://" implies Insecure).
	Endpoint  string
	Bucket    string // must exist
	Prefix    string // optional folder in the bucket, e.g. "vigie/prod"
	Region    string // optional; asked from the server when empty
	AccessKey string
	SecretKey string
	Insecure  bool // plain HTTP, for a server on the same trusted network
	// PartSize is the size of a multipart upload's parts and of the buffer Put holds; 16 MiB
	// when zero, at least 5 MiB (S3's minimum). Objects up to PartSize go in one PUT.
	PartSize int64
	Timeout  time.Duration // for connecting and for the first request; 30s when zero
}

// String describes the configuration without the secret key.
func (c Config) String() string {
	return fmt.Sprintf("s3://%s/%s/%s (access key %s)", c.Endpoint, c.Bucket, c.Prefix, c.AccessKey)
}

// GoString keeps %#v from printing the secret key.
func (c Config) GoString() string { return "s3.Config{" + c.String() + "}" }

// LogValue keeps structured logs from printing the secret key.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

const (
	defaultPartSize = 16 << 20
	minPartSize     = 5 << 20
	defaultTimeout  = 30 * time.Second
	// abortTimeout bounds the clean-up of a failed upload, which runs even when the Put's
	// context has ended.
	abortTimeout = 30 * time.Second
)

// Target stores objects in a bucket under a prefix.
type Target struct {
	core     *minio.Core
	bucket   string
	root     string // "" or the prefix with a trailing slash
	partSize int64
	name     string
}

var _ target.Target = (*Target)(nil)

// New connects to the endpoint and checks that the bucket exists, within cfg.Timeout.
func New(ctx context.Context, cfg Config) (*Target, error) {
	host, insecure, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	cfg.Insecure = cfg.Insecure || insecure
	if cfg.Bucket == "" {
		return nil, errors.New("s3 target: bucket is required")
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if err := target.CheckPrefix(prefix); err != nil {
		return nil, fmt.Errorf("s3 target: %w", err)
	}
	t := &Target{bucket: cfg.Bucket, partSize: cfg.PartSize, name: "s3://" + host + "/" + cfg.Bucket}
	if prefix != "" {
		t.root = prefix + "/"
		t.name += "/" + prefix
	}
	switch {
	case t.partSize == 0:
		t.partSize = defaultPartSize
	case t.partSize < minPartSize:
		return nil, fmt.Errorf("%s: part size %d is below S3's minimum of 5 MiB", t.name, t.partSize)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	tr, err := minio.DefaultTransport(!cfg.Insecure)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	tr.DialContext = (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = cfg.Timeout
	client, err := minio.New(host, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    !cfg.Insecure,
		Region:    cfg.Region,
		Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	t.core = &minio.Core{Client: client}

	checkCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	exists, err := client.BucketExists(checkCtx, cfg.Bucket)
	if err != nil {
		if checkCtx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("%s: no answer within %s: %w", t.name, cfg.Timeout, err)
		}
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	if !exists {
		return nil, fmt.Errorf("%s: bucket %q does not exist", t.name, cfg.Bucket)
	}
	return t, nil
}

func parseEndpoint(endpoint string) (host string, insecure bool, err error) {
	if endpoint == "" {
		return "", false, errors.New("s3 target: endpoint is required")
	}
	if !strings.Contains(endpoint, "://") {
		return endpoint, false, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", false, errors.New("s3 target: endpoint is not a URL; want host[:port] or http(s)://host[:port]")
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil ||
		(u.Scheme != "http" && u.Scheme != "https") {
		return "", false, fmt.Errorf("s3 target: endpoint %q: want host[:port] or http(s)://host[:port]", u.Redacted())
	}
	return u.Host, u.Scheme == "http", nil
}

func (t *Target) key(name string) string { return t.root + name }

func (t *Target) String() string { return t.name }

// Close has nothing to release: requests are independent.
func (t *Target) Close() error { return nil }

func errCode(err error) string { return minio.ToErrorResponse(err).Code }

func isNotFound(err error) bool {
	switch errCode(err) {
	case "NoSuchKey", "NotFound":
		return true
	}
	return false
}

func isPreconditionFailed(err error) bool { return errCode(err) == "PreconditionFailed" }

func isNotImplemented(err error) bool { return errCode(err) == "NotImplemented" }

// Put sends objects up to PartSize in one PUT and larger ones as a multipart upload.
func (t *Target) Put(ctx context.Context, name string, r io.Reader) (int64, error) {
	if err := target.CheckName(name); err != nil {
		return 0, err
	}
	key := t.key(name)
	if _, err := t.core.StatObject(ctx, t.bucket, key, minio.StatObjectOptions{}); err == nil {
		return 0, fmt.Errorf("%w: %s", target.ErrExists, name)
	} else if !isNotFound(err) {
		return 0, fmt.Errorf("put %s: %w", name, err)
	}
	r = target.ContextReader(ctx, r)
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, t.partSize)
	if errors.Is(err, io.EOF) {
		if err := t.putSmall(ctx, name, buf.Bytes()); err != nil {
			return 0, err
		}
		return n, nil
	}
	if err != nil {
		return 0, fmt.Errorf("put %s: %w", name, err)
	}
	return t.putMultipart(ctx, name, &buf, r)
}

func (t *Target) putSmall(ctx context.Context, name string, data []byte) error {
	err := t.putIfAbsent(ctx, t.key(name), data)
	if isPreconditionFailed(err) {
		return fmt.Errorf("%w: %s", target.ErrExists, name)
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}

// putIfAbsent writes data unless the key exists, where the server can tell; servers that
// refuse conditional writes get a plain PUT after the caller's check.
func (t *Target) putIfAbsent(ctx context.Context, key string, data []byte) error {
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	opts.SetMatchETagExcept("*")
	err := t.putObject(ctx, key, data, opts)
	if isNotImplemented(err) {
		err = t.putObject(ctx, key, data, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	}
	return err
}

// putObject sends data in one signed PUT, with the payload's SHA-256 for the server to check.
func (t *Target) putObject(ctx context.Context, key string, data []byte, opts minio.PutObjectOptions) error {
	sum := sha256.Sum256(data)
	// The client's own alternative, chunked signing over plain HTTP, sends an empty body
	// without the Content-Length S3 requires.
	opts.DisableContentSha256 = true
	_, err := t.core.PutObject(ctx, t.bucket, key, bytes.NewReader(data), int64(len(data)), "", hex.EncodeToString(sum[:]), opts)
	return err
}

// putMultipart uploads first (one full part) and the rest of r part by part, and completes
// the upload only at the end; on failure it aborts the upload.
func (t *Target) putMultipart(ctx context.Context, name string, first *bytes.Buffer, r io.Reader) (int64, error) {
	key := t.key(name)
	uploadID, err := t.core.NewMultipartUpload(ctx, t.bucket, key,
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return 0, fmt.Errorf("put %s: starting multipart upload: %w", name, err)
	}
	total, err := t.uploadParts(ctx, key, uploadID, first, r)
	if err == nil {
		opts := minio.PutObjectOptions{}
		opts.SetMatchETagExcept("*")
		_, err = t.core.CompleteMultipartUpload(ctx, t.bucket, key, uploadID, total.parts, opts)
		if isNotImplemented(err) {
			_, err = t.core.CompleteMultipartUpload(ctx, t.bucket, key, uploadID, total.parts, minio.PutObjectOptions{})
		}
		if err == nil {
			return total.size, nil
		}
	}
	abortCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	// If the abort fails too, the upload is left to Cleanup.
	_ = t.core.AbortMultipartUpload(abortCtx, t.bucket, key, uploadID)
	if isPreconditionFailed(err) {
		return 0, fmt.Errorf("%w: %s", target.ErrExists, name)
	}
	return 0, fmt.Errorf("put %s: %w", name, err)
}

type uploaded struct {
	parts []minio.CompletePart
	size  int64
}

func (t *Target) uploadParts(ctx context.Context, key, uploadID string, buf *bytes.Buffer, r io.Reader) (uploaded, error) {
	var up uploaded
	for number := 1; ; number++ {
		sum := sha256.Sum256(buf.Bytes())
		part, err := t.core.PutObjectPart(ctx, t.bucket, key, uploadID, number,
			bytes.NewReader(buf.Bytes()), int64(buf.Len()), minio.PutObjectPartOptions{Sha256Hex: hex.EncodeToString(sum[:]), DisableContentSha256: true})
		if err != nil {
			return up, fmt.Errorf("part %d: %w", number, err)
		}
		up.parts = append(up.parts, minio.CompletePart{PartNumber: number, ETag: part.ETag})
		up.size += int64(buf.Len())
		buf.Reset()
		_, err = io.CopyN(buf, r, t.partSize)
		if errors.Is(err, io.EOF) && buf.Len() == 0 {
			return up, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return up, err
		}
	}
}

// Get streams the object; ctx must stay alive while it is read.
func (t *Target) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := target.CheckName(name); err != nil {
		return nil, err
	}
	rc, _, _, err := t.core.GetObject(ctx, t.bucket, t.key(name), minio.GetObjectOptions{})
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s", target.ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	return rc, nil
}

func (t *Target) Stat(ctx context.Context, name string) (target.Object, error) {
	if err := target.CheckName(name); err != nil {
		return target.Object{}, err
	}
	info, err := t.core.StatObject(ctx, t.bucket, t.key(name), minio.StatObjectOptions{})
	if isNotFound(err) {
		return target.Object{}, fmt.Errorf("%w: %s", target.ErrNotFound, name)
	}
	if err != nil {
		return target.Object{}, fmt.Errorf("stat %s: %w", name, err)
	}
	return target.Object{Name: name, Size: info.Size, ModTime: info.LastModified}, nil
}

func (t *Target) List(ctx context.Context, prefix string) ([]target.Object, error) {
	if err := target.CheckPrefix(prefix); err != nil {
		return nil, err
	}
	var out []target.Object
	for info := range t.core.Client.ListObjects(ctx, t.bucket, minio.ListObjectsOptions{Prefix: t.key(prefix), Recursive: true}) {
		if info.Err != nil {
			return nil, fmt.Errorf("list %q: %w", prefix, info.Err)
		}
		name := strings.TrimPrefix(info.Key, t.root)
		if target.Hidden(name) || strings.HasSuffix(name, "/") {
			continue
		}
		out = append(out, target.Object{Name: name, Size: info.Size, ModTime: info.LastModified})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (t *Target) Delete(ctx context.Context, name string) error {
	if err := target.CheckName(name); err != nil {
		return err
	}
	err := t.core.RemoveObject(ctx, t.bucket, t.key(name), minio.RemoveObjectOptions{})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// Cleanup aborts the multipart uploads under the prefix started more than olderThan ago, by
// the server's clock.
func (t *Target) Cleanup(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	aborted := 0
	keyMarker, uploadIDMarker := "", ""
	for {
		res, err := t.core.ListMultipartUploads(ctx, t.bucket, t.root, keyMarker, uploadIDMarker, "", 1000)
		if errCode(err) == "NoSuchUpload" {
			return aborted, nil // some servers' way of saying there are none
		}
		if err != nil {
			return aborted, fmt.Errorf("cleanup: listing incomplete uploads: %w", err)
		}
		for _, u := range res.Uploads {
			if u.Initiated.After(cutoff) {
				continue
			}
			err := t.core.AbortMultipartUpload(ctx, t.bucket, u.Key, u.UploadID)
			if err != nil && errCode(err) != "NoSuchUpload" {
				return aborted, fmt.Errorf("cleanup: aborting upload of %s: %w", u.Key, err)
			}
			aborted++
		}
		if !res.IsTruncated {
			return aborted, nil
		}
		keyMarker, uploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// Lock takes the lock object; see the package comment for what it guarantees where.
func (t *Target) Lock(ctx context.Context, owner string, stale time.Duration) (*target.Lock, error) {
	return target.Acquire(ctx, lockStore{t}, owner, stale)
}

type lockStore struct{ t *Target }

func (s lockStore) key() string { return s.t.key(target.LockName) }

func (s lockStore) CreateLock(ctx context.Context, data []byte) error {
	// The check keeps servers that ignore If-None-Match from overwriting a held lock.
	if _, err := s.t.core.StatObject(ctx, s.t.bucket, s.key(), minio.StatObjectOptions{}); err == nil {
		return target.ErrExists
	} else if !isNotFound(err) {
		return err
	}
	err := s.t.putIfAbsent(ctx, s.key(), data)
	if isPreconditionFailed(err) {
		return target.ErrExists
	}
	if err != nil {
		return err
	}
	if err := s.readBack(ctx, data); err != nil {
		return target.ErrExists
	}
	return nil
}

// readBack returns ErrLockLost unless the lock holds data: another writer came after us on a
// server that ignored our conditions.
func (s lockStore) readBack(ctx context.Context, data []byte) error {
	cur, _, err := s.ReadLock(ctx)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, data) {
		return target.ErrLockLost
	}
	return nil
}

func (s lockStore) ReadLock(ctx context.Context) ([]byte, string, error) {
	rc, info, _, err := s.t.core.GetObject(ctx, s.t.bucket, s.key(), minio.GetObjectOptions{})
	if isNotFound(err) {
		return nil, "", target.ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	return data, info.ETag, err
}

func (s lockStore) replace(ctx context.Context, version string, data []byte) error {
	opts := minio.PutObjectOptions{ContentType: "application/json"}
	opts.SetMatchETag(version)
	err := s.t.putObject(ctx, s.key(), data, opts)
	if isNotImplemented(err) {
		// Without conditions, compare and write: a racing writer is caught by the read-back.
		var cur string
		if _, cur, err = s.ReadLock(ctx); err == nil && cur != version {
			return target.ErrLockLost
		}
		err = s.t.putObject(ctx, s.key(), data, minio.PutObjectOptions{ContentType: "application/json"})
	}
	if isPreconditionFailed(err) || isNotFound(err) {
		return target.ErrLockLost
	}
	if err != nil {
		return err
	}
	return s.readBack(ctx, data)
}

func (s lockStore) RefreshLock(ctx context.Context, version string, data []byte) error {
	return s.replace(ctx, version, data)
}

func (s lockStore) TakeOverLock(ctx context.Context, version string, data []byte) error {
	return s.replace(ctx, version, data)
}

func (s lockStore) RemoveLock(ctx context.Context, _ string) error {
	err := s.t.core.RemoveObject(ctx, s.t.bucket, s.key(), minio.RemoveObjectOptions{})
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}
