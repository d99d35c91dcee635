#!/usr/bin/env bash
# Runs vigie's whole test suite on a Debian machine, as root: installs and starts what the
# tests need (PostgreSQL and MariaDB servers, Redis, OpenSSH, Chromium, age, zstd, gpg, gcc),
# then gofmt, go vet and go test -race on every package.
# With CI=true a missing component fails its tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "Go is not installed: get Go $(sed -n 's/^go //p' go.mod) or newer from https://go.dev/dl/"
[ "$(id -u)" = 0 ] || die "run as root (it installs Debian packages and starts PostgreSQL)"

# --- Debian packages --------------------------------------------------------------------
# command -> package: a C compiler for the race detector (cgo), the browser, the database
# servers and clients the backup sources drive, the OpenSSH server behind the SFTP target, and
# the plain tools a snapshot must restore with.
declare -A need=(
  [gcc]=gcc [/usr/include/stdlib.h]=libc6-dev
  [chromium]=chromium
  [mariadbd]=mariadb-server [mariadb-dump]=mariadb-client
  [redis-server]=redis-server [redis-cli]=redis-tools
  [sshd]=openssh-server [/usr/lib/openssh/sftp-server]=openssh-sftp-server
  [age]=age [zstd]=zstd [gpg]=gnupg [tar]=tar [sqlite3]=sqlite3
)
missing=()
[ -n "$(ls /etc/postgresql 2>/dev/null)" ] || missing+=(postgresql)
for cmd in "${!need[@]}"; do
  case $cmd in
    /*) [ -e "$cmd" ] ;;
    *) command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] ;;
  esac || missing+=("${need[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- MariaDB (root over its socket, as Debian sets it up) --------------------------------
if ! mariadb-admin ping >/dev/null 2>&1; then
  say "starting MariaDB"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  # Our own pid file: another mariadbd on the machine (a container's host) is not ours.
  start-stop-daemon --start --oknodo --background --make-pidfile --pidfile /run/mysqld/vigie-test.pid \
    --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 100); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 0.2; done
  mariadb-admin ping >/dev/null 2>&1 || die "MariaDB did not start"
fi

# --- PostgreSQL -------------------------------------------------------------------------
pg_version=$(ls /etc/postgresql | sort -V | tail -n 1)
[ -n "$pg_version" ] || die "no PostgreSQL cluster under /etc/postgresql"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  say "starting PostgreSQL $pg_version"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not start"
fi
# A role of the tests' own, with a password, works whatever the cluster's pg_hba says for TCP.
(cd / && runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -d postgres) <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vigie_test') THEN
    CREATE ROLE vigie_test LOGIN CREATEDB PASSWORD 'vigie_test';
  END IF;
END $$;
SQL
export VIGIE_TEST_POSTGRES="postgres://vigie_test:vigie_test@127.0.0.1:5432/postgres?sslmode=disable"
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
export VIGIE_ARTIFACTS="${VIGIE_ARTIFACTS:-$PWD/.artifacts/screenshots}"

# --- Checks -----------------------------------------------------------------------------
say "gofmt"
unformatted=$(gofmt -l cmd internal bench 2>/dev/null || true)
[ -z "$unformatted" ] || die "gofmt would change: $unformatted"
say "go vet ./..."
go vet ./...
say "go test -race ./... (PostgreSQL at 127.0.0.1:5432, Chromium at $CHROMIUM)"
go test -race -count=1 -timeout 15m ./...
