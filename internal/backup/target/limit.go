package target

import (
	"context"
	"io"

	"golang.org/x/time/rate"
)

// limitBurst is the token bucket's size: large enough for efficient writes, small enough that
// the rate holds over a second.
const limitBurst = 256 << 10

// Limit wraps a Target so that Put and Get move at most bytesPerSecond (a token bucket with
// bursts of 256 KiB), shared by all transfers through the returned Target. A rate of zero or
// less means no limit. The result is a SpaceReporter if t is one.
func Limit(t Target, bytesPerSecond int64) Target {
	if bytesPerSecond <= 0 {
		return t
	}
	l := limited{Target: t, lim: rate.NewLimiter(rate.Limit(bytesPerSecond), limitBurst)}
	if sr, ok := t.(SpaceReporter); ok {
		return limitedSpace{limited: l, sr: sr}
	}
	return l
}

type limited struct {
	Target
	lim *rate.Limiter
}

func (l limited) Put(ctx context.Context, name string, r io.Reader) (int64, error) {
	return l.Target.Put(ctx, name, &limitedReader{ctx: ctx, r: r, lim: l.lim})
}

// Get limits the reading of the object; ctx must stay alive while the object is read.
func (l limited) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	rc, err := l.Target.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return limitedReadCloser{Reader: &limitedReader{ctx: ctx, r: rc, lim: l.lim}, Closer: rc}, nil
}

type limitedSpace struct {
	limited
	sr SpaceReporter
}

func (l limitedSpace) Space(ctx context.Context) (free, total int64, err error) {
	return l.sr.Space(ctx)
}

type limitedReader struct {
	ctx context.Context
	r   io.Reader
	lim *rate.Limiter
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if len(p) > limitBurst {
		p = p[:limitBurst]
	}
	n, err := l.r.Read(p)
	if n > 0 {
		// Paying after the read keeps the reader's own errors first; the rate holds all the same.
		if werr := l.lim.WaitN(l.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

type limitedReadCloser struct {
	io.Reader
	io.Closer
}

// ContextReader stops a copy from r as soon as ctx ends: a cancelled run does not go on
// writing a large object to the end.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx: ctx, r: r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
