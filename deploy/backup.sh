#!/bin/sh
# Daily backup of Firebell's PostgreSQL database, kept 30 days. Usage: firebell-backup /backups
# Needs PGHOST, PGUSER, PGPASSWORD (or ~/.pgpass) and PGDATABASE. Restore: pg_restore -d firebell <file>.
set -eu
target="${1:-/var/backups/firebell}"
mkdir -p "$target"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
pg_dump --format=custom --compress=6 --file="$target/firebell-$stamp.dump.partial" "${PGDATABASE:-firebell}"
mv "$target/firebell-$stamp.dump.partial" "$target/firebell-$stamp.dump"
find "$target" -name 'firebell-*.dump' -type f -mtime +30 -delete
echo "firebell backup $target/firebell-$stamp.dump"
