"""The job store on a real PostgreSQL 15 (started here, private) and on
SQLite: the store's C contract on PostgreSQL, the schema against the original
service's column list, the in-place upgrade of a database the original (GORM)
created, concurrent start-ups, and the connection's handling of the password.

Environment (tests/store/run.sh): CODERUNNER (the CLI), TEST_STORE (the
tests/unit/test-store binary)."""
import os
import sqlite3
import subprocess
import tempfile
import uuid

import pytest

import pgcluster
from original import ORIGINAL_ROWS, load_original

CODERUNNER = os.environ.get("CODERUNNER", "coderunner")
TEST_STORE = os.environ.get("TEST_STORE", "tests/unit/test-store")

# original-interfaces.md §2.2: (column, data_type, max length / precision, nullable, default)
ORIGINAL_EXECUTIONS = [
    ("id", "uuid", None, "NO", None),
    ("created_at", "timestamp with time zone", None, "YES", None),
    ("updated_at", "timestamp with time zone", None, "YES", None),
    ("deleted_at", "timestamp with time zone", None, "YES", None),
    ("solution_id", "character varying", 255, "NO", None),
    ("challenge_id", "character varying", 255, "NO", None),
    ("student_id", "character varying", 255, "NO", None),
    ("language", "character varying", 50, "NO", None),
    ("status", "character varying", 50, "NO", "'pending'::character varying"),
    ("code", "text", None, "NO", None),
    ("execution_time_ms", "bigint", None, "YES", None),
    ("memory_usage_mb", "numeric", (10, 2), "YES", None),
    ("success", "boolean", None, "YES", "false"),
    ("message", "text", None, "YES", None),
    ("approved_test_ids", "text", None, "YES", None),
    ("failed_test_ids", "text", None, "YES", None),
    ("total_tests", "integer", None, "YES", "0"),
    ("passed_tests", "integer", None, "YES", "0"),
    ("error_message", "text", None, "YES", None),
    ("error_type", "character varying", 100, "YES", None),
    ("compilation_error", "text", None, "YES", None),
    ("runtime_error", "text", None, "YES", None),
    ("server_instance", "character varying", 255, "YES", None),
    ("client_ip", "character varying", 45, "YES", None),
    ("user_agent", "character varying", 500, "YES", None),
]
ORIGINAL_GENERATED = [
    ("id", "uuid", None, "NO", None),
    ("created_at", "timestamp with time zone", None, "YES", None),
    ("updated_at", "timestamp with time zone", None, "YES", None),
    ("deleted_at", "timestamp with time zone", None, "YES", None),
    ("execution_id", "uuid", None, "NO", None),
    ("language", "character varying", 50, "NO", None),
    ("generator_type", "character varying", 50, "NO", None),
    ("test_code", "text", None, "NO", None),
    ("challenge_id", "character varying", 255, "YES", None),
    ("test_cases_count", "integer", None, "YES", "0"),
    ("has_custom_validation", "boolean", None, "YES", "false"),
    ("generation_time_ms", "bigint", None, "YES", None),
    ("code_size_bytes", "integer", None, "YES", None),
]
ORIGINAL_INDEXES = {
    "executions": {"executions_pkey", "idx_executions_deleted_at", "idx_executions_solution_id",
                   "idx_executions_challenge_id", "idx_executions_student_id", "idx_executions_status"},
    "generated_test_code": {"generated_test_code_pkey", "idx_generated_test_code_deleted_at",
                            "idx_generated_test_code_execution_id", "idx_generated_test_code_language",
                            "idx_generated_test_code_generator_type", "idx_generated_test_code_challenge_id"},
}

@pytest.fixture(scope="module")
def pg():
    if os.geteuid() != 0:
        pytest.skip("needs root (initdb runs as user postgres)")
    cluster = pgcluster.Cluster()
    yield cluster
    cluster.destroy()


def fresh_db(pg):
    name = "cr_" + uuid.uuid4().hex[:12]
    pg.create_db(name)
    return name


def migrate(env, check=True):
    e = dict(os.environ)
    e.update(env)
    r = subprocess.run([CODERUNNER, "serve", "--migrate"], env=e, capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def columns(pg, db, table):
    rows = pg.sql("SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale,"
                  " is_nullable, column_default FROM information_schema.columns WHERE table_name = %s"
                  " ORDER BY ordinal_position", (table,), dbname=db)
    out = []
    for name, dtype, charlen, prec, scale, nullable, default in rows:
        size = charlen if charlen else (prec, scale) if dtype == "numeric" else None
        out.append((name, dtype, size, nullable, default))
    return out


def indexes(pg, db, table):
    return {r[0] for r in pg.sql("SELECT indexname FROM pg_indexes WHERE tablename = %s", (table,), dbname=db)}


# ------------------------------------------------------------------ the C contract

def test_store_contract_on_postgresql(pg):
    env = dict(os.environ, CR_TEST_PGHOST=pg.sockdir, CR_TEST_PGPORT=str(pg.port))
    r = subprocess.run([TEST_STORE], env=env, capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert "on PostgreSQL" in r.stdout  # it really ran against the server
    assert "not ok" not in r.stdout and r.returncode == 0, r.stdout + r.stderr


# ------------------------------------------------------------------ schema

def test_schema_equals_original(pg):
    db = fresh_db(pg)
    migrate(pg.env(db))
    execs = columns(pg, db, "executions")
    assert execs[:len(ORIGINAL_EXECUTIONS)] == ORIGINAL_EXECUTIONS
    assert columns(pg, db, "generated_test_code") == ORIGINAL_GENERATED
    for table, names in ORIGINAL_INDEXES.items():
        assert names <= indexes(pg, db, table), table
    fk = pg.sql("SELECT conname, confdeltype FROM pg_constraint WHERE contype = 'f' AND conrelid ="
                " 'generated_test_code'::regclass", dbname=db)
    assert fk == [("fk_generated_test_code_execution", "c")]  # ON DELETE CASCADE
    added = {c[0] for c in execs[len(ORIGINAL_EXECUTIONS):]}
    assert {"code_version_id", "job_spec", "outcome", "lease_owner", "lease_expires_at", "attempts",
            "started_at", "completed_at", "client_key", "service"} == added
    tables = {r[0] for r in pg.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", dbname=db)}
    assert tables == {"executions", "generated_test_code", "execution_test_results", "outbox",
                      "schema_migrations"}
    outbox = {c[0] for c in columns(pg, db, "outbox")}
    assert {"id", "event_key", "topic", "event_type", "payload", "created_at", "sent_at", "attempts",
            "next_attempt_at", "last_error", "claimed_by", "claimed_until"} == outbox
    assert [r[0] for r in pg.sql("SELECT version FROM schema_migrations ORDER BY 1", dbname=db)] == [1, 2, 3]


def test_sqlite_has_the_same_names():
    with tempfile.TemporaryDirectory() as d:
        migrate({"CODERUNNER_STATE_DIR": d, "DB_HOST": ""})
        db = sqlite3.connect(os.path.join(d, "coderunner.db"))
        names = [r[1] for r in db.execute("PRAGMA table_info(executions)")]
        assert names[:len(ORIGINAL_EXECUTIONS)] == [c[0] for c in ORIGINAL_EXECUTIONS]
        names = [r[1] for r in db.execute("PRAGMA table_info(generated_test_code)")]
        assert names == [c[0] for c in ORIGINAL_GENERATED]
        idx = {r[1] for r in db.execute("PRAGMA index_list(executions)")}
        assert ORIGINAL_INDEXES["executions"] - {"executions_pkey"} <= idx
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert [r[0] for r in db.execute("SELECT version FROM schema_migrations")] == [1, 2, 3]


# ------------------------------------------------------------------ upgrade in place

def dump(pg, db):
    cols = ", ".join(c[0] for c in ORIGINAL_EXECUTIONS)
    return (pg.sql("SELECT %s FROM executions ORDER BY id" % cols, dbname=db),
            pg.sql("SELECT * FROM generated_test_code ORDER BY id", dbname=db))


def test_original_database_upgraded_in_place(pg):
    db = fresh_db(pg)
    load_original(pg, db)
    before = dump(pg, db)
    r = migrate(pg.env(db))
    assert "applied 3 migration(s)" in r.stdout
    assert dump(pg, db) == before  # nothing of the original's changed
    assert columns(pg, db, "executions")[:len(ORIGINAL_EXECUTIONS)] == ORIGINAL_EXECUTIONS
    rows = pg.sql("SELECT attempts, job_spec, lease_owner FROM executions", dbname=db)
    assert rows == [(0, None, None)] * len(ORIGINAL_ROWS)
    # a second start changes nothing
    r = migrate(pg.env(db))
    assert "applied 0 migration(s)" in r.stdout
    assert dump(pg, db) == before


def test_concurrent_startups_migrate_once(pg):
    db = fresh_db(pg)
    e = dict(os.environ)
    e.update(pg.env(db))
    procs = [subprocess.Popen([CODERUNNER, "serve", "--migrate"], env=e, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    applied = sorted(int(o[0].split("applied ")[1].split()[0]) for o in outs)
    assert applied == [0, 0, 0, 0, 0, 3]
    assert [r[0] for r in pg.sql("SELECT version FROM schema_migrations ORDER BY 1", dbname=db)] == [1, 2, 3]


# ------------------------------------------------------------------ connection

PASSWORD = "s3cret pass 'with' \"quotes\" \\ and=signs"


def test_password_with_spaces_and_never_shown(pg):
    db = fresh_db(pg)
    role = "cr_user_" + uuid.uuid4().hex[:6]
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE ROLE %s LOGIN PASSWORD %%s" % role, (PASSWORD,))
        cur.execute('ALTER DATABASE "%s" OWNER TO %s' % (db, role))
    # over TCP, where the password is checked (scram-sha-256)
    r = migrate(pg.env(db, user=role, password=PASSWORD, host="127.0.0.1"))
    assert "schema version 3" in r.stdout
    assert PASSWORD not in r.stdout + r.stderr
    # a wrong one fails, and the error does not echo it
    wrong = PASSWORD + "x"
    r = migrate(pg.env(db, user=role, password=wrong, host="127.0.0.1"), check=False)
    assert r.returncode != 0
    assert "password authentication failed" in r.stderr
    assert wrong not in r.stdout + r.stderr and PASSWORD not in r.stderr
    # `coderunner config` redacts it
    e = dict(os.environ, DB_HOST="db.example", DB_PASSWORD=PASSWORD)
    out = subprocess.run([CODERUNNER, "config"], env=e, capture_output=True, text=True, check=True).stdout
    assert "DB_PASSWORD=<redacted>" in out and PASSWORD not in out
    assert "DB_HOST=db.example" in out and "DB_NAME=code_runner_db" in out and "DB_SSLMODE=disable" in out
