#!/usr/bin/env bash
# Runs a command with a private PostgreSQL server of its own, then stops the server, also when the
# command fails. The server is a fresh cluster in a temporary directory, owned by an unprivileged user
# (PostgreSQL refuses to run as root, and the tests may), listening on 127.0.0.1 on a free port and on a
# socket in that directory. The command gets GROQBATCH_TEST_POSTGRES, the URL of its `postgres`
# database as a superuser with a password (tests create a database each and drop it).
#
#   scripts/with-postgres.sh swift test --skip-build
#
# Needs Debian's postgresql (`make deps` installs it). Without it the command runs without the variable,
# and the tests that need PostgreSQL fail under CI=true (skip otherwise).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: no PostgreSQL server installed (make deps installs it); running without one" >&2
  exec "$@"
fi

dir=$(mktemp -d /tmp/groqbatch-postgres.XXXXXX)
password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
owner=$(id -un)
run_as=()
if [ "$(id -u)" = 0 ]; then
  owner=nobody
  run_as=(runuser -u nobody --)
fi
chmod 755 "$dir"
mkdir "$dir/data" "$dir/socket"
printf '%s\n' "$password" > "$dir/pwfile"
chown -R "$owner" "$dir"
chmod 700 "$dir/data"

stop() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U groqbatch --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"

# A free port: ask the kernel for one, then let the server take it (retried if another took it first).
for attempt in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  if "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
       -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
       start >/dev/null 2>&1; then
    break
  fi
  port=""
done
if [ -z "$port" ]; then
  echo "with-postgres: the server did not start:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

export GROQBATCH_TEST_POSTGRES="postgres://groqbatch:$password@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
set +e
"$@"
status=$?
set -e
exit $status
