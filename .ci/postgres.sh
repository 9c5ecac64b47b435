#!/usr/bin/env bash
# Install (if needed) and start a local PostgreSQL, with a role and database `gk`.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for i in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='gk'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE gk LOGIN SUPERUSER PASSWORD 'gk'\""
su postgres -c "psql -qtc \"SELECT 1 FROM pg_database WHERE datname='gk'\"" | grep -q 1 ||
  su postgres -c "createdb -O gk gk"
echo "PostgreSQL $version ready on 127.0.0.1:5432"
