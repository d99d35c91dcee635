package config

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"vigie/internal/backup"
	"vigie/internal/backup/retention"
	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/source"
	"vigie/internal/backup/target"
	"vigie/internal/backup/target/local"
	"vigie/internal/backup/target/s3"
	"vigie/internal/backup/target/sftp"
	"vigie/internal/schedule"
)

// Backups holds the backup jobs and the key that signs their snapshots.
type Backups struct {
	// SigningKeyFile is the server's ed25519 key (PEM); created on first use. Default
	// backup-signing.key next to the main file.
	SigningKeyFile string `yaml:"signing_key_file"`
	// TrustedKeys are public keys ("vigie-ed25519-pub ...") of other vigie servers whose
	// snapshots this one verifies and restores.
	TrustedKeys []string    `yaml:"trusted_keys"`
	Jobs        []BackupJob `yaml:"jobs"`
}

func (b *Backups) complete(dir string) {
	if b.SigningKeyFile == "" {
		b.SigningKeyFile = "backup-signing.key"
	}
	b.SigningKeyFile = resolvePath(dir, b.SigningKeyFile)
}

// Validate checks the trusted keys and that job names are unique.
func (b *Backups) Validate(v *Validator) {
	for i, k := range b.TrustedKeys {
		if _, err := snapshot.ParsePublicKey(k); err != nil {
			v.Errorf(fmt.Sprintf("trusted_keys[%d]", i), "%s", err)
		}
	}
	names := make([]string, len(b.Jobs))
	for i, j := range b.Jobs {
		names[i] = j.Name
	}
	v.UniqueNames("jobs", names)
}

// Source finds a job's source by name.
func (b *Backups) Source(job, name string) *BackupSource {
	for i := range b.Jobs {
		if b.Jobs[i].Name == job {
			return b.Jobs[i].sourceNamed(name)
		}
	}
	return nil
}

// Trusted returns the trusted public keys (Validate has checked them).
func (b *Backups) Trusted() []ed25519.PublicKey {
	var out []ed25519.PublicKey
	for _, k := range b.TrustedKeys {
		if pub, err := snapshot.ParsePublicKey(k); err == nil {
			out = append(out, pub)
		}
	}
	return out
}

// BackupJob is one entry of backups.jobs.
type BackupJob struct {
	Name     string            `yaml:"name"`
	Instance string            `yaml:"instance"` // default: the job's name
	Labels   map[string]string `yaml:"labels"`
	Schedule string            `yaml:"schedule"` // cron, @daily..., or RRULE; empty: on demand only
	Timezone string            `yaml:"timezone"`
	Jitter   Duration          `yaml:"jitter"`
	// Grace is how late a successful snapshot may be, after the schedule's period, before
	// the job is overdue.
	Grace      Duration       `yaml:"grace"`
	Recipients []string       `yaml:"recipients"`
	Sources    []BackupSource `yaml:"sources"`
	Hooks      BackupHooks    `yaml:"hooks"`
	Targets    []BackupTarget `yaml:"targets"`
	Drill      BackupDrill    `yaml:"drill"`
}

func (j *BackupJob) setDefaults() {
	j.Timezone = "UTC"
	j.Grace = Duration(time.Hour)
}

func (j *BackupJob) complete(string) {
	if j.Instance == "" {
		j.Instance = j.Name
	}
}

// BackupHooks are commands run around the snapshot.
type BackupHooks struct {
	Pre  []BackupHook `yaml:"pre"`
	Post []BackupHook `yaml:"post"`
}

// BackupHook is one command, run without a shell.
type BackupHook struct {
	Command []string `yaml:"command"`
	Timeout Duration `yaml:"timeout"`
}

func (h *BackupHook) setDefaults() { h.Timeout = Duration(5 * time.Minute) }

// Validate checks the command and its timeout.
func (h *BackupHook) Validate(v *Validator) {
	if len(h.Command) == 0 || h.Command[0] == "" {
		v.Errorf("command", "give the program and its arguments, like [systemctl, stop, app]")
	}
	v.DurationRange("timeout", h.Timeout, Duration(time.Second), Duration(24*time.Hour))
}

// BackupSource is one thing a job keeps; its options sit under the key named after its type.
type BackupSource struct {
	Name     string         `yaml:"name"`
	Type     string         `yaml:"type"`
	Paths    PathsSource    `yaml:"paths"`
	Postgres PostgresSource `yaml:"postgres"`
	MariaDB  MariaDBSource  `yaml:"mariadb"`
	Redis    RedisSource    `yaml:"redis"`
	SQLite   SQLiteSource   `yaml:"sqlite"`
	MongoDB  MongoDBSource  `yaml:"mongodb"`
	Command  CommandSource  `yaml:"command"`
}

// PathsSource is a set of directory trees.
type PathsSource struct {
	Roots         []string `yaml:"roots"`
	Include       []string `yaml:"include"`
	Exclude       []string `yaml:"exclude"`
	OneFileSystem bool     `yaml:"one_file_system"`
}

// complete makes relative roots relative to the main file, keeping a trailing slash (which
// says: follow a symlinked root).
func (p *PathsSource) complete(dir string) {
	for i, root := range p.Roots {
		abs := resolvePath(dir, root)
		if strings.HasSuffix(root, "/") && !strings.HasSuffix(abs, "/") {
			abs += "/"
		}
		p.Roots[i] = abs
	}
}

// PostgresSource is a pg_dump of one database.
type PostgresSource struct {
	DSN       Secret   `yaml:"dsn"`
	Host      string   `yaml:"host"`
	Port      int      `yaml:"port"`
	User      string   `yaml:"user"`
	Password  Secret   `yaml:"password"`
	Database  string   `yaml:"database"`
	ExtraArgs []string `yaml:"extra_args"`
}

// MariaDBSource is a mariadb-dump of one database.
type MariaDBSource struct {
	Host      string   `yaml:"host"`
	Port      int      `yaml:"port"`
	Socket    string   `yaml:"socket"`
	User      string   `yaml:"user"`
	Password  Secret   `yaml:"password"`
	Database  string   `yaml:"database"`
	ExtraArgs []string `yaml:"extra_args"`
}

// RedisSource is an RDB snapshot taken over the replication protocol.
type RedisSource struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Socket   string `yaml:"socket"`
	User     string `yaml:"user"`
	Password Secret `yaml:"password"`
}

// SQLiteSource is a consistent copy of a live SQLite database.
type SQLiteSource struct {
	Path    string `yaml:"path"`
	TempDir string `yaml:"temp_dir"`
}

func (s *SQLiteSource) complete(dir string) {
	s.Path = resolvePath(dir, s.Path)
	s.TempDir = resolvePath(dir, s.TempDir)
}

// MongoDBSource is a mongodump archive.
type MongoDBSource struct {
	URI       Secret   `yaml:"uri"`
	ExtraArgs []string `yaml:"extra_args"`
}

// CommandSource keeps a program's standard output.
type CommandSource struct {
	Command []string          `yaml:"command"`
	Env     map[string]string `yaml:"env"`
	Dir     string            `yaml:"dir"`
	Output  string            `yaml:"output"`
}

var sourceTypes = []string{source.TypePaths, source.TypePostgres, source.TypeMariaDB, source.TypeRedis, source.TypeSQLite, source.TypeMongoDB, source.TypeCommand}

// Source builds the backup source.
func (s *BackupSource) Source() (source.Source, error) {
	switch s.Type {
	case source.TypePaths:
		return source.NewPaths(s.Name, source.PathsConfig{Paths: s.Paths.Roots, Include: s.Paths.Include, Exclude: s.Paths.Exclude, OneFileSystem: s.Paths.OneFileSystem})
	case source.TypePostgres:
		return source.NewPostgres(s.Name, s.postgres())
	case source.TypeMariaDB:
		return source.NewMariaDB(s.Name, s.mariadb())
	case source.TypeRedis:
		r := s.Redis
		return source.NewRedis(s.Name, source.RedisConfig{Host: r.Host, Port: r.Port, Socket: r.Socket, User: r.User, Password: r.Password.Reveal()})
	case source.TypeSQLite:
		return source.NewSQLite(s.Name, source.SQLiteConfig{Path: s.SQLite.Path, TempDir: s.SQLite.TempDir})
	case source.TypeMongoDB:
		return source.NewMongoDB(s.Name, source.MongoConfig{URI: s.MongoDB.URI.Reveal(), ExtraArgs: s.MongoDB.ExtraArgs})
	case source.TypeCommand:
		c := s.Command
		return source.NewCommand(s.Name, source.CommandConfig{Command: c.Command, Env: c.Env, Dir: c.Dir, Output: c.Output})
	}
	return nil, fmt.Errorf("unknown source type %q", s.Type)
}

func (s *BackupSource) postgres() source.PostgresConfig {
	p := s.Postgres
	return source.PostgresConfig{DSN: p.DSN.Reveal(), Host: p.Host, Port: p.Port, User: p.User, Password: p.Password.Reveal(), Database: p.Database, ExtraArgs: p.ExtraArgs}
}

func (s *BackupSource) mariadb() source.MariaDBConfig {
	m := s.MariaDB
	return source.MariaDBConfig{Host: m.Host, Port: m.Port, Socket: m.Socket, User: m.User, Password: m.Password.Reveal(), Database: m.Database, ExtraArgs: m.ExtraArgs}
}

// Conn is what a restore needs to reach the source's server: a source.PostgresConfig or
// MariaDBConfig, nil for other types.
func (s *BackupSource) Conn() any {
	switch s.Type {
	case source.TypePostgres:
		return s.postgres()
	case source.TypeMariaDB:
		return s.mariadb()
	}
	return nil
}

// Validate checks the type and lets the source check its options.
func (s *BackupSource) Validate(v *Validator) {
	if s.Name == "" {
		v.Errorf("name", "a source needs a name (it names its files in the snapshot)")
		return
	}
	if !v.OneOf("type", s.Type, sourceTypes...) {
		return
	}
	if _, err := s.Source(); err != nil {
		for _, e := range unjoin(err) {
			v.Errorf(s.Type, "%s", strings.TrimPrefix(e.Error(), source.ErrConfig.Error()+": "))
		}
	}
}

// unjoin lists the errors inside an errors.Join.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// BackupTarget is one place a job's snapshots go.
type BackupTarget struct {
	Name      string          `yaml:"name"`
	Type      string          `yaml:"type"`
	Local     LocalTarget     `yaml:"local"`
	SFTP      SFTPTarget      `yaml:"sftp"`
	S3        S3Target        `yaml:"s3"`
	Retention BackupRetention `yaml:"retention"`
	// Bandwidth limits reads and writes, in bytes per second ("10MiB").
	Bandwidth ByteSize `yaml:"bandwidth"`
	// FullAt is the percentage of the target's storage in use at which an alert says it is
	// nearly full (targets that report their space: local and SFTP).
	FullAt float64 `yaml:"full_at"`
}

func (t *BackupTarget) setDefaults() { t.FullAt = 90 }

// LocalTarget is a directory on this machine (a mounted disk, an NFS share).
type LocalTarget struct {
	Dir string `yaml:"dir"`
}

func (l *LocalTarget) complete(dir string) { l.Dir = resolvePath(dir, l.Dir) }

// SFTPTarget is a directory on an SSH server.
type SFTPTarget struct {
	Address     string   `yaml:"address"` // host:port
	User        string   `yaml:"user"`
	Dir         string   `yaml:"dir"`
	HostKey     string   `yaml:"host_key"` // "ssh-ed25519 AAAA...", a known_hosts line, or "SHA256:..."
	PrivateKey  Secret   `yaml:"private_key"`
	Certificate string   `yaml:"certificate"` // an OpenSSH user certificate line
	Timeout     Duration `yaml:"timeout"`
}

// S3Target is a bucket in S3-compatible storage.
type S3Target struct {
	Endpoint  string   `yaml:"endpoint"`
	Bucket    string   `yaml:"bucket"`
	Prefix    string   `yaml:"prefix"`
	Region    string   `yaml:"region"`
	AccessKey string   `yaml:"access_key"`
	SecretKey Secret   `yaml:"secret_key"`
	Insecure  bool     `yaml:"insecure"`
	PartSize  ByteSize `yaml:"part_size"`
}

// BackupRetention is restic's forget policy.
type BackupRetention struct {
	Last          int    `yaml:"keep_last"`
	Hourly        int    `yaml:"keep_hourly"`
	Daily         int    `yaml:"keep_daily"`
	Weekly        int    `yaml:"keep_weekly"`
	Monthly       int    `yaml:"keep_monthly"`
	Yearly        int    `yaml:"keep_yearly"`
	Within        string `yaml:"keep_within"`
	WithinHourly  string `yaml:"keep_within_hourly"`
	WithinDaily   string `yaml:"keep_within_daily"`
	WithinWeekly  string `yaml:"keep_within_weekly"`
	WithinMonthly string `yaml:"keep_within_monthly"`
	WithinYearly  string `yaml:"keep_within_yearly"`
	Timezone      string `yaml:"timezone"`
}

func (r *BackupRetention) setDefaults() { r.Timezone = "UTC" }

// Policy is the retention policy; problems are reported by Validate.
func (r *BackupRetention) Policy() (retention.Policy, []error) {
	p := retention.Policy{Last: r.Last, Hourly: r.Hourly, Daily: r.Daily, Weekly: r.Weekly, Monthly: r.Monthly, Yearly: r.Yearly}
	var errs []error
	for _, s := range []struct {
		key, text string
		dst       *retention.Span
	}{{"keep_within", r.Within, &p.Within}, {"keep_within_hourly", r.WithinHourly, &p.WithinHourly}, {"keep_within_daily", r.WithinDaily, &p.WithinDaily},
		{"keep_within_weekly", r.WithinWeekly, &p.WithinWeekly}, {"keep_within_monthly", r.WithinMonthly, &p.WithinMonthly}, {"keep_within_yearly", r.WithinYearly, &p.WithinYearly}} {
		if s.text == "" {
			continue
		}
		span, err := retention.ParseSpan(s.text)
		if err != nil {
			errs = append(errs, &keyError{s.key, err})
			continue
		}
		*s.dst = span
	}
	loc, err := time.LoadLocation(r.Timezone)
	if err != nil {
		errs = append(errs, &keyError{"timezone", fmt.Errorf("unknown time zone %q (use an IANA name like Europe/Paris)", r.Timezone)})
	}
	p.Location = loc
	return p, errs
}

// keyError is a problem with one key of a section.
type keyError struct {
	key string
	err error
}

func (e *keyError) Error() string { return e.err.Error() }

// Validate checks the counts and spans.
func (r *BackupRetention) Validate(v *Validator) {
	p, errs := r.Policy()
	for _, e := range errs {
		var ke *keyError
		if errors.As(e, &ke) {
			v.Errorf(ke.key, "%s", ke.err)
		}
	}
	if err := p.Validate(); err != nil && !errors.Is(err, retention.ErrEmptyPolicy) {
		v.Errorf("", "%s", err)
	}
}

var targetTypes = []string{"local", "sftp", "s3"}

// Validate checks the type and its options.
func (t *BackupTarget) Validate(v *Validator) {
	if t.Name == "" {
		v.Errorf("name", "a target needs a name")
	}
	if t.FullAt < 0 || t.FullAt > 100 {
		v.Errorf("full_at", "is a percentage between 0 (off) and 100, got %g", t.FullAt)
	}
	if !v.OneOf("type", t.Type, targetTypes...) {
		return
	}
	switch t.Type {
	case "local":
		if t.Local.Dir == "" {
			v.Errorf("local.dir", "is required: the directory the snapshots go to")
		}
	case "sftp":
		s := t.SFTP
		for key, val := range map[string]string{"sftp.address": s.Address, "sftp.user": s.User, "sftp.host_key": s.HostKey} {
			if val == "" {
				v.Errorf(key, "is required")
			}
		}
		if !strings.HasPrefix(s.Dir, "/") {
			v.Errorf("sftp.dir", "must be an absolute directory on the server, got %s", quote(s.Dir))
		}
		if s.PrivateKey.IsZero() {
			v.Errorf("sftp.private_key", "is required (or private_key_file)")
		}
	case "s3":
		if t.S3.Endpoint == "" {
			v.Errorf("s3.endpoint", "is required, like s3.eu-west-3.amazonaws.com or https://minio.example.org:9000")
		}
		if t.S3.Bucket == "" {
			v.Errorf("s3.bucket", "is required")
		}
		if t.S3.AccessKey == "" || t.S3.SecretKey.IsZero() {
			v.Errorf("s3", "needs access_key and secret_key (or secret_key_file)")
		}
		if t.S3.PartSize != 0 && t.S3.PartSize < 5<<20 {
			v.Errorf("s3.part_size", "must be at least 5MiB, S3's smallest part")
		}
	}
}

// Spec builds the target's description for a job.
func (t *BackupTarget) Spec() backup.TargetSpec {
	policy, _ := t.Retention.Policy()
	spec := backup.TargetSpec{Name: t.Name, Retention: policy, BytesPerSecond: int64(t.Bandwidth), FullAt: t.FullAt / 100}
	switch t.Type {
	case "local":
		dir := t.Local.Dir
		spec.Open = func(context.Context) (target.Target, error) { return local.New(dir) }
	case "sftp":
		s := t.SFTP
		cfg := sftp.Config{Addr: s.Address, User: s.User, Dir: s.Dir, HostKey: s.HostKey, PrivateKey: []byte(s.PrivateKey.Reveal()),
			Certificate: []byte(s.Certificate), Timeout: s.Timeout.Std()}
		spec.Open = func(ctx context.Context) (target.Target, error) { return sftp.Dial(ctx, cfg) }
	case "s3":
		s := t.S3
		cfg := s3.Config{Endpoint: s.Endpoint, Bucket: s.Bucket, Prefix: s.Prefix, Region: s.Region, AccessKey: s.AccessKey,
			SecretKey: s.SecretKey.Reveal(), Insecure: s.Insecure, PartSize: int64(s.PartSize)}
		spec.Open = func(ctx context.Context) (target.Target, error) { return s3.New(ctx, cfg) }
	}
	return spec
}

// BackupDrill proves the job's snapshots restore.
type BackupDrill struct {
	Schedule string `yaml:"schedule"` // empty: on demand only
	// Identity is the private key that decrypts the snapshots (an age-keygen file or an
	// armored OpenPGP key): identity_file in practice.
	Identity   Secret          `yaml:"identity"`
	Passphrase Secret          `yaml:"passphrase"` // for a protected OpenPGP key
	Target     string          `yaml:"target"`     // default: the job's first
	Pick       string          `yaml:"pick"`       // latest or random
	Databases  []DrillDatabase `yaml:"databases"`
}

func (d *BackupDrill) setDefaults() { d.Pick = "latest" }

// DrillDatabase restores one database source into a scratch database and questions it.
type DrillDatabase struct {
	Source string `yaml:"source"`
	Query  string `yaml:"query"`
	Expect string `yaml:"expect"` // "> 0", ">= 1000", "== 42", or exact text
}

// Validate checks the job as a whole: its schedule, recipients, and the names its parts
// refer to.
func (j *BackupJob) Validate(v *Validator) {
	if j.Name == "" {
		v.Errorf("name", "a backup job needs a name")
	}
	for key, val := range map[string]string{"name": j.Name, "instance": j.Instance} {
		if val != "" && !backup.ValidName(val) {
			v.Errorf(key, "%s: use up to 100 letters, digits, '.', '_' and '-', starting with a letter or digit (it names a folder on the targets)", quote(val))
		}
	}
	loc, err := time.LoadLocation(j.Timezone)
	if err != nil {
		v.Errorf("timezone", "unknown time zone %q (use an IANA name like Europe/Paris)", j.Timezone)
		loc = time.UTC
	}
	if j.Schedule != "" {
		if _, err := schedule.Parse(j.Schedule, loc, time.Now()); err != nil {
			v.Errorf("schedule", "%s", err)
		}
	}
	v.DurationRange("jitter", j.Jitter, 0, Duration(24*time.Hour))
	v.DurationRange("grace", j.Grace, 0, Duration(30*day))
	for k := range j.Labels {
		if !labelName.MatchString(k) {
			v.Errorf("labels."+k, "label name %q: use lower-case letters, digits and '_'", k)
		}
	}
	if len(j.Recipients) == 0 {
		v.Errorf("recipients", "give the public keys the snapshots are encrypted to: age1... recipients or OpenPGP public key blocks")
	} else if _, err := snapshot.ParseRecipients(j.Recipients); err != nil {
		v.Errorf("recipients", "%s", err)
	}
	if len(j.Sources) == 0 {
		v.Errorf("sources", "a backup job needs at least one source")
	}
	if len(j.Targets) == 0 {
		v.Errorf("targets", "a backup job needs at least one target")
	}
	sources := make([]string, len(j.Sources))
	for i, s := range j.Sources {
		sources[i] = s.Name
	}
	v.UniqueNames("sources", sources)
	targets := make([]string, len(j.Targets))
	for i, t := range j.Targets {
		targets[i] = t.Name
	}
	v.UniqueNames("targets", targets)
	j.validateDrill(v, loc, sources, targets)
}

func (j *BackupJob) validateDrill(v *Validator, loc *time.Location, sources, targets []string) {
	d := j.Drill
	if d.Identity.IsZero() {
		if d.Schedule != "" || len(d.Databases) > 0 {
			v.Errorf("drill", "a drill needs the key that decrypts the snapshots: identity_file")
		}
		return
	}
	if _, err := snapshot.ParseIdentities([]byte(d.Identity.Reveal()), []byte(d.Passphrase.Reveal())); err != nil {
		v.Errorf("drill.identity", "%s", err)
	}
	if d.Schedule != "" {
		if _, err := schedule.Parse(d.Schedule, loc, time.Now()); err != nil {
			v.Errorf("drill.schedule", "%s", err)
		}
	}
	if d.Target != "" {
		v.OneOf("drill.target", d.Target, targets...)
	}
	v.OneOf("drill.pick", d.Pick, "latest", "random")
	for i, db := range d.Databases {
		key := fmt.Sprintf("drill.databases[%d]", i)
		if !v.OneOf(key+".source", db.Source, sources...) {
			continue
		}
		src := j.sourceNamed(db.Source)
		if !source.Restorable(src.Type) {
			v.Errorf(key+".source", "%s is a %s source; drills restore postgres, mariadb and sqlite sources", db.Source, src.Type)
		}
		if strings.TrimSpace(db.Query) == "" {
			v.Errorf(key+".query", "give a query whose answer proves the data is there, like SELECT count(*) FROM users")
		}
		if _, err := backup.ParseExpectation(db.Expect); err != nil {
			v.Errorf(key+".expect", "%s", err)
		}
	}
}

func (j *BackupJob) sourceNamed(name string) *BackupSource {
	for i := range j.Sources {
		if j.Sources[i].Name == name {
			return &j.Sources[i]
		}
	}
	return nil
}

// Job builds the backup job (Validate has checked it).
func (j *BackupJob) Job() (*backup.Job, error) {
	loc, err := time.LoadLocation(j.Timezone)
	if err != nil {
		return nil, err
	}
	enc, err := snapshot.ParseRecipients(j.Recipients)
	if err != nil {
		return nil, err
	}
	job := &backup.Job{Name: j.Name, Instance: j.Instance, Labels: j.Labels, Encryption: enc}
	for _, s := range j.Sources {
		src, err := s.Source()
		if err != nil {
			return nil, err
		}
		job.Sources = append(job.Sources, src)
	}
	for _, h := range j.Hooks.Pre {
		job.Pre = append(job.Pre, backup.Hook{Command: h.Command, Timeout: h.Timeout.Std()})
	}
	for _, h := range j.Hooks.Post {
		job.Post = append(job.Post, backup.Hook{Command: h.Command, Timeout: h.Timeout.Std()})
	}
	for _, t := range j.Targets {
		job.Targets = append(job.Targets, t.Spec())
	}
	if j.Schedule != "" {
		s, err := schedule.Parse(j.Schedule, loc, time.Now())
		if err != nil {
			return nil, err
		}
		job.Schedule = schedule.WithJitter(s, schedule.Jitter(j.Name+"/"+j.Instance, j.Jitter.Std()))
		job.ScheduleText = j.Schedule
		job.Expect = period(s) + j.Grace.Std()
	}
	if !j.Drill.Identity.IsZero() {
		if job.Drill, err = j.drill(loc); err != nil {
			return nil, err
		}
	}
	return job, nil
}

func (j *BackupJob) drill(loc *time.Location) (*backup.Drill, error) {
	d := j.Drill
	ids, err := snapshot.ParseIdentities([]byte(d.Identity.Reveal()), []byte(d.Passphrase.Reveal()))
	if err != nil {
		return nil, err
	}
	out := &backup.Drill{Target: d.Target, Random: d.Pick == "random", Identities: ids, ScheduleText: d.Schedule}
	if d.Schedule != "" {
		s, err := schedule.Parse(d.Schedule, loc, time.Now())
		if err != nil {
			return nil, err
		}
		out.Schedule = schedule.WithJitter(s, schedule.Jitter("drill/"+j.Name+"/"+j.Instance, j.Jitter.Std()))
	}
	for _, db := range d.Databases {
		src := j.sourceNamed(db.Source)
		expect, err := backup.ParseExpectation(db.Expect)
		if err != nil {
			return nil, err
		}
		out.Databases = append(out.Databases, backup.DrillDatabase{Source: db.Source, Type: src.Type, Conn: src.Conn(), Query: db.Query, Expect: expect})
	}
	return out, nil
}

// period is the longest gap between two starts of s over the coming weeks: how long a
// healthy job may go between snapshots.
func period(s schedule.Schedule) time.Duration {
	starts := schedule.Between(s, time.Now(), time.Now().Add(60*day), 100)
	var longest time.Duration
	for i := 1; i < len(starts); i++ {
		longest = max(longest, starts[i].Sub(starts[i-1]))
	}
	if longest == 0 {
		longest = day
	}
	return longest
}
