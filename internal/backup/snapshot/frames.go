package snapshot

import (
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// frameSize is the input of one zstd frame. Frames are compressed independently, in parallel,
// and concatenated in order, which `zstd -d` and every decoder read as one stream. The size
// trades ratio (no match crosses a frame; zstd's level 3 looks back 2 MiB anyway) against
// memory: (workers+2) frames in flight, input and output.
const frameSize = 4 << 20

// frameWriter is a parallel zstd compressor with bounded memory. klauspost's own parallel
// stream mode keeps many 4-window jobs in flight and let a 256 MiB backup peak at 700 MB of
// RSS; here a fixed set of buffers circulates, so memory stays at about
// (workers+2) * 2 * frameSize whatever the data size.
type frameWriter struct {
	dst io.Writer
	enc *zstd.Encoder
	// fast compresses frames that look incompressible (media, archives, encrypted files):
	// at the configured level they would cost as much as text and shrink by nothing.
	fast    *zstd.Encoder
	cur     *frame
	free    chan *frame
	work    chan *frame
	ordered chan *frame
	done    sync.WaitGroup
	frames  int // handed over for writing

	mu  sync.Mutex
	err error
}

type frame struct {
	in, out []byte
	ready   chan struct{}
}

func newFrameWriter(dst io.Writer, level zstd.EncoderLevel, workers int) (*frameWriter, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(level),
		zstd.WithEncoderConcurrency(workers),
		zstd.WithWindowSize(frameSize),
		zstd.WithZeroFrames(true)) // so that even an empty object is a zstd stream
	if err != nil {
		return nil, err
	}
	fast := enc
	if level != zstd.SpeedFastest {
		fast, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(workers),
			zstd.WithWindowSize(frameSize), zstd.WithZeroFrames(true))
		if err != nil {
			return nil, err
		}
	}
	n := workers + 2 // one filling, one being written, the rest compressing
	fw := &frameWriter{
		dst: dst, enc: enc, fast: fast,
		free:    make(chan *frame, n),
		work:    make(chan *frame, n),
		ordered: make(chan *frame, n),
	}
	for range n {
		fw.free <- &frame{
			in:    make([]byte, 0, frameSize),
			out:   make([]byte, 0, frameSize+frameSize/64), // incompressible input grows a little
			ready: make(chan struct{}, 1),
		}
	}
	fw.cur = <-fw.free
	fw.done.Add(workers + 1)
	for range workers {
		go fw.compress()
	}
	go fw.write()
	return fw, nil
}

func (fw *frameWriter) compress() {
	defer fw.done.Done()
	var sample []byte
	for f := range fw.work {
		enc := fw.enc
		if fw.enc != fw.fast && len(f.in) > 4*sampleSize {
			sample = fw.fast.EncodeAll(f.in[:sampleSize], sample[:0])
			if len(sample) > sampleSize*97/100 {
				enc = fw.fast
			}
		}
		f.out = enc.EncodeAll(f.in, f.out[:0])
		f.ready <- struct{}{}
	}
}

// sampleSize is how much of a frame is tried at the fastest level to see whether it
// compresses at all.
const sampleSize = 64 << 10

// write puts frames out in order, and recycles them even after an error so that Write never
// waits forever.
func (fw *frameWriter) write() {
	defer fw.done.Done()
	for f := range fw.ordered {
		<-f.ready
		if fw.failed() == nil {
			if _, err := fw.dst.Write(f.out); err != nil {
				fw.fail(err)
			}
		}
		f.in = f.in[:0]
		fw.free <- f
	}
}

func (fw *frameWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := fw.failed(); err != nil {
			return written, err
		}
		n := min(len(p), frameSize-len(fw.cur.in))
		fw.cur.in = append(fw.cur.in, p[:n]...)
		p, written = p[n:], written+n
		if len(fw.cur.in) == frameSize {
			fw.dispatch()
		}
	}
	return written, nil
}

func (fw *frameWriter) dispatch() {
	fw.ordered <- fw.cur
	fw.work <- fw.cur
	fw.frames++
	fw.cur = <-fw.free
}

// Close compresses what is left, waits for every frame to be written and stops the workers.
func (fw *frameWriter) Close() error {
	if fw.cur == nil {
		return fw.failed()
	}
	if len(fw.cur.in) > 0 || fw.frames == 0 {
		fw.dispatch()
	}
	fw.cur = nil
	close(fw.ordered)
	close(fw.work)
	fw.done.Wait()
	fw.enc.Close()
	if fw.fast != fw.enc {
		fw.fast.Close()
	}
	return fw.failed()
}

func (fw *frameWriter) failed() error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	return fw.err
}

func (fw *frameWriter) fail(err error) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.err == nil {
		fw.err = err
	}
}
