"""The original Go service's database, as its GORM AutoMigrate created it and
as it wrote rows (original-interfaces.md §2.2, §2.3): test data for the
in-place upgrade (tests/store) and for reading the original's rows back
through the daemon (tests/system)."""
import uuid

# The DDL GORM's AutoMigrate ran for the original models (quoted names,
# timestamptz, the constraint name it generates), written out independently
# of the store's own migration.
GORM_DDL = """
CREATE TABLE "executions" ("id" uuid,"created_at" timestamptz,"updated_at" timestamptz,"deleted_at" timestamptz,
 "solution_id" varchar(255) NOT NULL,"challenge_id" varchar(255) NOT NULL,"student_id" varchar(255) NOT NULL,
 "language" varchar(50) NOT NULL,"status" varchar(50) NOT NULL DEFAULT 'pending',"code" text NOT NULL,
 "execution_time_ms" bigint,"memory_usage_mb" decimal(10,2),"success" boolean DEFAULT false,"message" text,
 "approved_test_ids" text,"failed_test_ids" text,"total_tests" integer DEFAULT 0,"passed_tests" integer DEFAULT 0,
 "error_message" text,"error_type" varchar(100),"compilation_error" text,"runtime_error" text,
 "server_instance" varchar(255),"client_ip" varchar(45),"user_agent" varchar(500),PRIMARY KEY ("id"));
CREATE INDEX IF NOT EXISTS "idx_executions_deleted_at" ON "executions" ("deleted_at");
CREATE INDEX IF NOT EXISTS "idx_executions_solution_id" ON "executions" ("solution_id");
CREATE INDEX IF NOT EXISTS "idx_executions_challenge_id" ON "executions" ("challenge_id");
CREATE INDEX IF NOT EXISTS "idx_executions_student_id" ON "executions" ("student_id");
CREATE INDEX IF NOT EXISTS "idx_executions_status" ON "executions" ("status");
CREATE TABLE "generated_test_code" ("id" uuid,"created_at" timestamptz,"updated_at" timestamptz,
 "deleted_at" timestamptz,"execution_id" uuid NOT NULL,"language" varchar(50) NOT NULL,
 "generator_type" varchar(50) NOT NULL,"test_code" text NOT NULL,"challenge_id" varchar(255),
 "test_cases_count" integer DEFAULT 0,"has_custom_validation" boolean DEFAULT false,"generation_time_ms" bigint,
 "code_size_bytes" integer,PRIMARY KEY ("id"),
 CONSTRAINT "fk_generated_test_code_execution" FOREIGN KEY ("execution_id") REFERENCES "executions"("id")
 ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "idx_generated_test_code_deleted_at" ON "generated_test_code" ("deleted_at");
CREATE INDEX IF NOT EXISTS "idx_generated_test_code_execution_id" ON "generated_test_code" ("execution_id");
CREATE INDEX IF NOT EXISTS "idx_generated_test_code_language" ON "generated_test_code" ("language");
CREATE INDEX IF NOT EXISTS "idx_generated_test_code_generator_type" ON "generated_test_code" ("generator_type");
CREATE INDEX IF NOT EXISTS "idx_generated_test_code_challenge_id" ON "generated_test_code" ("challenge_id");
"""


ORIGINAL_ROWS = [
    # id, status, approved, failed, total, passed, message, error_type
    (str(uuid.uuid4()), "completed", "a1,a2", "", 2, 2, "Execution successful: 2/2 tests passed", ""),
    (str(uuid.uuid4()), "completed", "", "b1", 1, 0, "Execution failed: 0/1 tests passed", ""),
    (str(uuid.uuid4()), "timed_out", "", "", 0, 0, "Execution timed out", "timeout"),
    (str(uuid.uuid4()), "running", None, None, 3, 0, None, None),
]


def load_original(pg, db):
    with pg.connect(db) as conn, conn.cursor() as cur:
        cur.execute(GORM_DDL)
        for i, (rid, status, approved, failed, total, passed, msg, etype) in enumerate(ORIGINAL_ROWS):
            cur.execute("INSERT INTO executions (id, created_at, updated_at, solution_id, challenge_id, student_id,"
                        " language, status, code, execution_time_ms, memory_usage_mb, success, message,"
                        " approved_test_ids, failed_test_ids, total_tests, passed_tests, error_type)"
                        " VALUES (%s, now() - interval '2 days', now() - interval '2 days', %s, %s, %s, 'cpp', %s,"
                        " 'int f(int x) { return x; }', 2140, 0, %s, %s, %s, %s, %s, %s, %s)",
                        (rid, "challenge-%d" % i, "challenge-%d" % i, "student-%d" % i, status, passed == total > 0,
                         msg, approved, failed, total, passed, etype))
            cur.execute("INSERT INTO generated_test_code (id, created_at, updated_at, execution_id, language,"
                        " generator_type, test_code, challenge_id, test_cases_count, has_custom_validation,"
                        " generation_time_ms, code_size_bytes) VALUES (%s, now(), now(), %s, 'cpp', 'cpp_template',"
                        " '#include <doctest.h>', 'version-1', 2, false, 3, 20)", (str(uuid.uuid4()), rid))


