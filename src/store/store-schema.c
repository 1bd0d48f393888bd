/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "store-internal.h"

/* The schema, as versioned migrations (docs/internals/store.md lists every
 * difference from the original's). A migration is never edited once
 * released: a change is a new one. Each runs in its own transaction and is
 * recorded in schema_migrations.
 *
 * PostgreSQL, migration 1, is the original Go service's schema exactly as
 * GORM's AutoMigrate created it (original-interfaces.md §2.2): the same
 * column names, types, defaults, constraint and index names. It says IF NOT
 * EXISTS everywhere, so on a database the original created (with rows) it
 * changes nothing, and migration 2 then adds what this service needs. */

const struct store_migration store_pg_migrations[] = {
        {
                1,
                "the original service's tables (GORM schema)",
                "CREATE TABLE IF NOT EXISTS executions ("
                "  id uuid NOT NULL,"
                "  created_at timestamptz,"
                "  updated_at timestamptz,"
                "  deleted_at timestamptz,"
                "  solution_id varchar(255) NOT NULL,"
                "  challenge_id varchar(255) NOT NULL,"
                "  student_id varchar(255) NOT NULL,"
                "  language varchar(50) NOT NULL,"
                "  status varchar(50) NOT NULL DEFAULT 'pending',"
                "  code text NOT NULL,"
                "  execution_time_ms bigint,"
                "  memory_usage_mb decimal(10,2),"
                "  success boolean DEFAULT false,"
                "  message text,"
                "  approved_test_ids text,"
                "  failed_test_ids text,"
                "  total_tests integer DEFAULT 0,"
                "  passed_tests integer DEFAULT 0,"
                "  error_message text,"
                "  error_type varchar(100),"
                "  compilation_error text,"
                "  runtime_error text,"
                "  server_instance varchar(255),"
                "  client_ip varchar(45),"
                "  user_agent varchar(500),"
                "  PRIMARY KEY (id));"
                "CREATE INDEX IF NOT EXISTS idx_executions_deleted_at ON executions (deleted_at);"
                "CREATE INDEX IF NOT EXISTS idx_executions_solution_id ON executions (solution_id);"
                "CREATE INDEX IF NOT EXISTS idx_executions_challenge_id ON executions (challenge_id);"
                "CREATE INDEX IF NOT EXISTS idx_executions_student_id ON executions (student_id);"
                "CREATE INDEX IF NOT EXISTS idx_executions_status ON executions (status);"
                "CREATE TABLE IF NOT EXISTS generated_test_code ("
                "  id uuid NOT NULL,"
                "  created_at timestamptz,"
                "  updated_at timestamptz,"
                "  deleted_at timestamptz,"
                "  execution_id uuid NOT NULL,"
                "  language varchar(50) NOT NULL,"
                "  generator_type varchar(50) NOT NULL,"
                "  test_code text NOT NULL,"
                "  challenge_id varchar(255),"
                "  test_cases_count integer DEFAULT 0,"
                "  has_custom_validation boolean DEFAULT false,"
                "  generation_time_ms bigint,"
                "  code_size_bytes integer,"
                "  PRIMARY KEY (id),"
                "  CONSTRAINT fk_generated_test_code_execution FOREIGN KEY (execution_id)"
                "    REFERENCES executions (id) ON DELETE CASCADE);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_deleted_at ON generated_test_code (deleted_at);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_execution_id ON generated_test_code (execution_id);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_language ON generated_test_code (language);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_generator_type ON generated_test_code (generator_type);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_challenge_id ON generated_test_code (challenge_id);",
        },
        {
                2,
                "queue state, job description, per-test results, outbox",
                /* new columns are nullable or have a default: the original's
                 * rows stay as they are (job_spec NULL: never claimed) */
                "ALTER TABLE executions"
                "  ADD COLUMN IF NOT EXISTS code_version_id varchar(255),"
                "  ADD COLUMN IF NOT EXISTS service varchar(50),"
                "  ADD COLUMN IF NOT EXISTS client_key varchar(255),"
                "  ADD COLUMN IF NOT EXISTS job_spec bytea,"
                "  ADD COLUMN IF NOT EXISTS outcome bytea,"
                "  ADD COLUMN IF NOT EXISTS lease_owner varchar(255),"
                "  ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz,"
                "  ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0,"
                "  ADD COLUMN IF NOT EXISTS started_at timestamptz,"
                "  ADD COLUMN IF NOT EXISTS completed_at timestamptz;"
                "CREATE INDEX IF NOT EXISTS idx_executions_code_version_id ON executions (code_version_id);"
                "CREATE UNIQUE INDEX IF NOT EXISTS idx_executions_client_key ON executions (client_key);"
                "CREATE INDEX IF NOT EXISTS idx_executions_pending ON executions (created_at)"
                "  WHERE status = 'pending';"
                "CREATE INDEX IF NOT EXISTS idx_executions_leases ON executions (lease_expires_at)"
                "  WHERE status = 'running';"
                "CREATE INDEX IF NOT EXISTS idx_executions_completed_at ON executions (completed_at);"
                "CREATE TABLE IF NOT EXISTS execution_test_results ("
                "  execution_id uuid NOT NULL REFERENCES executions (id) ON DELETE CASCADE,"
                "  test_index integer NOT NULL,"
                "  test_id varchar(255) NOT NULL,"
                "  passed boolean NOT NULL DEFAULT false,"
                "  verdict varchar(50) NOT NULL,"
                "  exit_code integer,"
                "  signal integer,"
                "  wall_ms bigint,"
                "  cpu_ms bigint,"
                "  memory_peak_bytes bigint,"
                "  error_message text,"
                "  created_at timestamptz NOT NULL DEFAULT now(),"
                "  PRIMARY KEY (execution_id, test_index));"
                "CREATE INDEX IF NOT EXISTS idx_execution_test_results_test_id ON execution_test_results (test_id);"
                /* the transactional outbox: the events publisher sends, in
                 * id order per key, rows with sent_at NULL whose
                 * next_attempt_at has come, then sets sent_at (or counts an
                 * attempt, keeps the error, and pushes next_attempt_at) */
                "CREATE TABLE IF NOT EXISTS outbox ("
                "  id bigserial PRIMARY KEY,"
                "  event_key varchar(255) NOT NULL,"
                "  topic varchar(255) NOT NULL,"
                "  event_type varchar(100) NOT NULL,"
                "  payload text NOT NULL,"
                "  created_at timestamptz NOT NULL DEFAULT now(),"
                "  sent_at timestamptz,"
                "  attempts integer NOT NULL DEFAULT 0,"
                "  next_attempt_at timestamptz NOT NULL DEFAULT now(),"
                "  last_error text);"
                "CREATE INDEX IF NOT EXISTS idx_outbox_unsent ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;"
                "CREATE INDEX IF NOT EXISTS idx_outbox_key ON outbox (event_key, id);"
                "CREATE INDEX IF NOT EXISTS idx_outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;",
        },
        {
                3,
                "outbox claims: one instance publishes a row at a time",
                /* claimed_by/claimed_until: the lease of the instance that
                 * publishes the row; the partial index on id serves the
                 * publisher's "oldest unsent first" */
                "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS claimed_by varchar(255);"
                "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS claimed_until timestamptz;"
                "CREATE INDEX IF NOT EXISTS idx_outbox_unsent_id ON outbox (id) WHERE sent_at IS NULL;"
                "CREATE INDEX IF NOT EXISTS idx_outbox_unsent_key ON outbox (topic, event_key, id)"
                "  WHERE sent_at IS NULL;",
        },
};
const size_t store_pg_n_migrations = sizeof(store_pg_migrations) / sizeof(store_pg_migrations[0]);

/* SQLite: the same tables, columns and index names in SQLite's types
 * (TEXT for uuid, varchar and timestamps, INTEGER for booleans, REAL for
 * decimal, BLOB for bytea). Timestamps are UTC text, "2025-11-27
 * 10:11:12.123456", which sorts like time. */
const struct store_migration store_sqlite_migrations[] = {
        {
                1,
                "the original service's tables",
                "CREATE TABLE IF NOT EXISTS executions ("
                "  id TEXT NOT NULL PRIMARY KEY,"
                "  created_at TEXT,"
                "  updated_at TEXT,"
                "  deleted_at TEXT,"
                "  solution_id TEXT NOT NULL,"
                "  challenge_id TEXT NOT NULL,"
                "  student_id TEXT NOT NULL,"
                "  language TEXT NOT NULL,"
                "  status TEXT NOT NULL DEFAULT 'pending',"
                "  code TEXT NOT NULL,"
                "  execution_time_ms INTEGER,"
                "  memory_usage_mb REAL,"
                "  success INTEGER DEFAULT 0,"
                "  message TEXT,"
                "  approved_test_ids TEXT,"
                "  failed_test_ids TEXT,"
                "  total_tests INTEGER DEFAULT 0,"
                "  passed_tests INTEGER DEFAULT 0,"
                "  error_message TEXT,"
                "  error_type TEXT,"
                "  compilation_error TEXT,"
                "  runtime_error TEXT,"
                "  server_instance TEXT,"
                "  client_ip TEXT,"
                "  user_agent TEXT);"
                "CREATE INDEX IF NOT EXISTS idx_executions_deleted_at ON executions (deleted_at);"
                "CREATE INDEX IF NOT EXISTS idx_executions_solution_id ON executions (solution_id);"
                "CREATE INDEX IF NOT EXISTS idx_executions_challenge_id ON executions (challenge_id);"
                "CREATE INDEX IF NOT EXISTS idx_executions_student_id ON executions (student_id);"
                "CREATE INDEX IF NOT EXISTS idx_executions_status ON executions (status);"
                "CREATE TABLE IF NOT EXISTS generated_test_code ("
                "  id TEXT NOT NULL PRIMARY KEY,"
                "  created_at TEXT,"
                "  updated_at TEXT,"
                "  deleted_at TEXT,"
                "  execution_id TEXT NOT NULL,"
                "  language TEXT NOT NULL,"
                "  generator_type TEXT NOT NULL,"
                "  test_code TEXT NOT NULL,"
                "  challenge_id TEXT,"
                "  test_cases_count INTEGER DEFAULT 0,"
                "  has_custom_validation INTEGER DEFAULT 0,"
                "  generation_time_ms INTEGER,"
                "  code_size_bytes INTEGER,"
                "  CONSTRAINT fk_generated_test_code_execution FOREIGN KEY (execution_id)"
                "    REFERENCES executions (id) ON DELETE CASCADE);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_deleted_at ON generated_test_code (deleted_at);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_execution_id ON generated_test_code (execution_id);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_language ON generated_test_code (language);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_generator_type ON generated_test_code (generator_type);"
                "CREATE INDEX IF NOT EXISTS idx_generated_test_code_challenge_id ON generated_test_code (challenge_id);",
        },
        {
                2,
                "queue state, job description, per-test results, outbox",
                "ALTER TABLE executions ADD COLUMN code_version_id TEXT;"
                "ALTER TABLE executions ADD COLUMN service TEXT;"
                "ALTER TABLE executions ADD COLUMN client_key TEXT;"
                "ALTER TABLE executions ADD COLUMN job_spec BLOB;"
                "ALTER TABLE executions ADD COLUMN outcome BLOB;"
                "ALTER TABLE executions ADD COLUMN lease_owner TEXT;"
                "ALTER TABLE executions ADD COLUMN lease_expires_at TEXT;"
                "ALTER TABLE executions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
                "ALTER TABLE executions ADD COLUMN started_at TEXT;"
                "ALTER TABLE executions ADD COLUMN completed_at TEXT;"
                "CREATE INDEX idx_executions_code_version_id ON executions (code_version_id);"
                "CREATE UNIQUE INDEX idx_executions_client_key ON executions (client_key);"
                "CREATE INDEX idx_executions_pending ON executions (created_at) WHERE status = 'pending';"
                "CREATE INDEX idx_executions_leases ON executions (lease_expires_at) WHERE status = 'running';"
                "CREATE INDEX idx_executions_completed_at ON executions (completed_at);"
                "CREATE TABLE execution_test_results ("
                "  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,"
                "  test_index INTEGER NOT NULL,"
                "  test_id TEXT NOT NULL,"
                "  passed INTEGER NOT NULL DEFAULT 0,"
                "  verdict TEXT NOT NULL,"
                "  exit_code INTEGER,"
                "  signal INTEGER,"
                "  wall_ms INTEGER,"
                "  cpu_ms INTEGER,"
                "  memory_peak_bytes INTEGER,"
                "  error_message TEXT,"
                "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),"
                "  PRIMARY KEY (execution_id, test_index));"
                "CREATE INDEX idx_execution_test_results_test_id ON execution_test_results (test_id);"
                "CREATE TABLE outbox ("
                "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
                "  event_key TEXT NOT NULL,"
                "  topic TEXT NOT NULL,"
                "  event_type TEXT NOT NULL,"
                "  payload TEXT NOT NULL,"
                "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),"
                "  sent_at TEXT,"
                "  attempts INTEGER NOT NULL DEFAULT 0,"
                "  next_attempt_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),"
                "  last_error TEXT);"
                "CREATE INDEX idx_outbox_unsent ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;"
                "CREATE INDEX idx_outbox_key ON outbox (event_key, id);"
                "CREATE INDEX idx_outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;",
        },
        {
                3,
                "outbox claims: one instance publishes a row at a time",
                "ALTER TABLE outbox ADD COLUMN claimed_by TEXT;"
                "ALTER TABLE outbox ADD COLUMN claimed_until TEXT;"
                "CREATE INDEX idx_outbox_unsent_id ON outbox (id) WHERE sent_at IS NULL;"
                "CREATE INDEX idx_outbox_unsent_key ON outbox (topic, event_key, id) WHERE sent_at IS NULL;",
        },
};
const size_t store_sqlite_n_migrations = sizeof(store_sqlite_migrations) / sizeof(store_sqlite_migrations[0]);
