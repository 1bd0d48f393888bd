"""A private PostgreSQL 15 server for tests: initdb and pg_ctl run as user
postgres in a temp dir, with a private socket dir and a free port on
127.0.0.1. It never touches the machine's own clusters (no pg_ctlcluster, no
/var/lib/postgresql, no /var/run/postgresql), and it is removed at stop, also
when a test failed.

The Debian package postgresql-15 provides the binaries; it is preinstalled on
this machine kind and must not be installed by the suite (installing it
creates and starts a system cluster)."""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("CR_PG_BIN", "/usr/lib/postgresql/15/bin")
SUPERUSER = "postgres"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available():
    return os.path.exists(os.path.join(PG_BIN, "initdb")) and os.path.exists(os.path.join(PG_BIN, "pg_ctl"))


class Cluster:
    """PostgreSQL on 127.0.0.1:port and in sockdir. The superuser "postgres"
    needs no password; password-authenticated roles connect over TCP."""

    def __init__(self):
        if not available():
            raise RuntimeError("PostgreSQL 15 server binaries not found in %s (Debian package postgresql-15)"
                               % PG_BIN)
        self.pw = pwd.getpwnam("postgres")
        self.dir = tempfile.mkdtemp(prefix="cr-pg-")
        os.chown(self.dir, self.pw.pw_uid, self.pw.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.sockdir = os.path.join(self.dir, "sock")
        self.logfile = os.path.join(self.dir, "postgres.log")
        os.mkdir(self.sockdir)
        os.chown(self.sockdir, self.pw.pw_uid, self.pw.pw_gid)
        self.port = free_port()
        self._as_postgres([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", SUPERUSER, "-A", "trust",
                           "-E", "UTF8", "--locale=C", "--no-sync"])
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n"
                    "host all postgres 127.0.0.1/32 trust\n"
                    "host all all 127.0.0.1/32 scram-sha-256\n")
        self.start()

    def _as_postgres(self, argv, check=True):
        return subprocess.run(["runuser", "-u", "postgres", "--"] + argv, check=check, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, cwd=self.dir)

    def start(self, timeout=30):
        opts = ("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" % (self.port, self.sockdir))
        r = self._as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-o", opts, "-l", self.logfile,
                               "-w", "-t", str(timeout), "start"], check=False)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start failed:\n%s\n%s" % (r.stdout.decode(), self.log()))

    def stop(self, mode="fast"):
        self._as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"],
                          check=False)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def connect(self, dbname="postgres", user=SUPERUSER, password=None, tcp=False):
        import psycopg2
        kw = dict(dbname=dbname, user=user, port=self.port)
        kw["host"] = "127.0.0.1" if tcp or password else self.sockdir
        if password is not None:
            kw["password"] = password
        conn = psycopg2.connect(**kw)
        conn.autocommit = True
        return conn

    def sql(self, statement, args=None, dbname="postgres"):
        with self.connect(dbname) as conn, conn.cursor() as cur:
            cur.execute(statement, args)
            try:
                return cur.fetchall()
            except Exception:
                return None

    def create_db(self, name):
        conn = self.connect()
        with conn.cursor() as cur:
            cur.execute('CREATE DATABASE "%s"' % name)
        conn.close()

    def env(self, dbname, user=SUPERUSER, password="", host=None):
        """The daemon's configuration for this server (the original's DB_* names)."""
        return {"DB_HOST": host or self.sockdir, "DB_PORT": str(self.port), "DB_USER": user,
                "DB_PASSWORD": password, "DB_NAME": dbname, "DB_SSLMODE": "disable"}


def wait_for(predicate, timeout=30, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(interval)
    return predicate()
