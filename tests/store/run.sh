#!/bin/bash
# Store tier: the job store against a real PostgreSQL 15 this tier starts
# (tests/store/pgcluster.py: initdb + pg_ctl as user postgres in a temp dir,
# private socket dir, free port) and against SQLite. Needs
# top_srcdir/top_builddir; python3-psycopg2 for /usr/bin/python3.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
export CODERUNNER=$top_builddir/coderunner
export TEST_STORE=$top_builddir/tests/unit/test-store
export CODERUNNER_DATADIR=$top_srcdir
cd "$top_srcdir"
exec /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/store "$@"
