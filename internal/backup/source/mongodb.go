package source

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MongoConfig is a "mongodb" source: `mongodump --archive` of a server or replica set.
type MongoConfig struct {
	URI       string // mongodb:// or mongodb+srv://, password included; passed in a 0600 file
	Mongodump string // default "mongodump"
	ExtraArgs []string
}

type mongoSource struct {
	name string
	c    MongoConfig
}

// NewMongoDB returns a source storing `mongodump --archive` as "db/<name>.archive". The URI
// reaches mongodump through --config, a file of its own in a private temporary directory,
// removed when the dump ends.
func NewMongoDB(name string, c MongoConfig) (Source, error) {
	if err := checkName(TypeMongoDB, name); err != nil {
		return nil, err
	}
	var errs []error
	if !strings.HasPrefix(c.URI, "mongodb://") && !strings.HasPrefix(c.URI, "mongodb+srv://") {
		errs = append(errs, configError(TypeMongoDB, name, "uri must start with mongodb:// or mongodb+srv://"))
	}
	if err := checkExtraArgs(c.ExtraArgs, "-p", "--password", "--uri", "--config", "--archive", "-o", "--out"); err != nil {
		errs = append(errs, configError(TypeMongoDB, name, "%v", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &mongoSource{name: name, c: c}, nil
}

func (s *mongoSource) Name() string { return s.name }
func (s *mongoSource) Type() string { return TypeMongoDB }

func (s *mongoSource) Write(ctx context.Context, sink Sink) (Stats, error) {
	st, err := s.write(ctx, sink)
	if err != nil {
		return Stats{}, fmt.Errorf("mongodb source %q: %w", s.name, err)
	}
	return st, nil
}

func (s *mongoSource) write(ctx context.Context, sink Sink) (Stats, error) {
	dir, err := os.MkdirTemp("", "vigie-mongodump-")
	if err != nil {
		return Stats{}, err
	}
	defer os.RemoveAll(dir)
	config := filepath.Join(dir, "config.yaml")
	cmd, err := s.dumpCommand(config)
	if err != nil {
		return Stats{}, err
	}
	return cmd.stream(ctx, sink, "db/"+s.name+".archive")
}

// dumpCommand writes the URI to config, a new 0600 file, and returns the command reading it.
func (s *mongoSource) dumpCommand(config string) (command, error) {
	text, err := yaml.Marshal(map[string]string{"uri": s.c.URI})
	if err != nil {
		return command{}, err
	}
	f, err := os.OpenFile(config, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return command{}, err
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return command{}, err
	}
	if err := f.Close(); err != nil {
		return command{}, err
	}
	secrets := []string{s.c.URI}
	if u, err := url.Parse(s.c.URI); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	args := append([]string{"--archive", "--config=" + config}, s.c.ExtraArgs...)
	return command{path: or(s.c.Mongodump, "mongodump"), args: args, secrets: secrets}, nil
}
