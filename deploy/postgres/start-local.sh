#!/usr/bin/env bash
# A PostgreSQL server on this machine for the gradebook tests (and a first try of a PostgreSQL
# gradebook): Debian's package, listening on 127.0.0.1 only, with a role `course_test` that may
# create databases. The tests make a database of their own for each run and drop it after.
# Usage: deploy/postgres/start-local.sh   (as root, or with sudo); prints the URL the tests use.
set -euo pipefail
sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
if ! command -v pg_lsclusters >/dev/null; then
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
read -r version cluster _ < <(pg_lsclusters --no-header | head -1)
echo "listen_addresses = '127.0.0.1'" | $sudo_ tee "/etc/postgresql/$version/$cluster/conf.d/loopback-only.conf" >/dev/null
$sudo_ pg_ctlcluster "$version" "$cluster" restart  # starts it, or restarts it to listen on 127.0.0.1
as_postgres() { $sudo_ su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
for _ in $(seq 30); do as_postgres "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
if [ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'course_test'")" != 1 ]; then
  as_postgres "CREATE ROLE course_test LOGIN CREATEDB PASSWORD 'course_test'"
fi
echo "postgresql+psycopg://course_test@127.0.0.1:5432/postgres  (password: PGPASSWORD=course_test)"
