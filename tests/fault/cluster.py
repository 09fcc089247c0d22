"""A distributed btrouter on one machine, for the fault scenarios (tests/fault/run) and the
scale-out benchmark (bench/scaleout_bench): a private PostgreSQL 15 and Redis on free loopback
ports, one API process (`btrouter serve`) and any number of worker processes (`btrouter
worker`), each with its own data folder and log, and a small HTTP client of the API.

Standard library only. PostgreSQL refuses to run as root, so as root its cluster is owned by and
run as the `postgres` user (Debian's package creates it).
"""

import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout, what, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(step)
    raise RuntimeError("timed out waiting for " + what)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Process:
    """A child process with its output in a log file; killed with its group."""

    def __init__(self, argv, log_path, env=None, user=None):
        self.argv, self.log_path, self.env, self.user = argv, log_path, env, user
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        preexec = None
        if self.user is not None:
            uid, gid = self.user.pw_uid, self.user.pw_gid

            def preexec():
                os.setgid(gid)
                os.setuid(uid)
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                     env=self.env, preexec_fn=preexec, start_new_session=True)
        log.close()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stopped(self):
        """True while the process is paused by SIGSTOP (state T in /proc)."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "T"
        except (OSError, AttributeError, IndexError):
            return False

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if not self.alive():
            return
        os.kill(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""


class Postgres:
    BIN = "/usr/lib/postgresql/15/bin"

    def __init__(self, root):
        self.dir = os.path.join(root, "pg")
        os.makedirs(self.dir)
        self.port = free_port()
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.user:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.data = os.path.join(self.dir, "data")
        log = os.path.join(self.dir, "initdb.log")
        rc = Process([self.BIN + "/initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                      "--no-sync", "-E", "UTF8"], log, user=self.user).start().proc.wait()
        if rc != 0:
            raise RuntimeError("initdb failed: " + open(log).read())
        self.process = None
        self.start()

    def url(self, database="btrouter"):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, database)

    def start(self):
        self.process = Process([self.BIN + "/postgres", "-D", self.data, "-p", str(self.port),
                                "-k", self.dir, "-c", "listen_addresses=127.0.0.1",
                                "-c", "fsync=off", "-c", "max_connections=300"],
                               os.path.join(self.dir, "postgres.log"), user=self.user).start()
        wait_until(lambda: subprocess.call([self.BIN + "/pg_isready", "-q", "-h", "127.0.0.1",
                                            "-p", str(self.port)]) == 0, 30, "PostgreSQL")

    def create_database(self, name):
        subprocess.check_call(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url("postgres"), "-c",
                               "CREATE DATABASE " + name], stdout=subprocess.DEVNULL)
        return self.url(name)

    def kill(self, sig=signal.SIGKILL):
        self.process.stop(sig)


class Redis:
    def __init__(self, root):
        self.dir = os.path.join(root, "redis")
        os.makedirs(self.dir)
        self.port = free_port()
        self.process = None
        self.start()

    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def start(self):
        self.process = Process(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", self.dir,
                                "--maxmemory-policy", "noeviction"],
                               os.path.join(self.dir, "redis.log")).start()
        wait_until(lambda: port_open(self.port), 20, "Redis")

    def kill(self):
        self.process.stop(signal.SIGKILL)


class Api:
    """A small keep-alive JSON client of the API (one connection per thread)."""

    def __init__(self, port, key=""):
        self.port, self.key = port, key
        self.local = threading.local()

    def _conn(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.local.conn = conn
        return conn

    def call(self, method, path, body=None, headers=None, content_type="application/json"):
        """(status, parsed body or text); raises OSError when the server cannot be reached."""
        head = {"Authorization": "Bearer " + self.key}
        if body is not None:
            head["Content-Type"] = content_type
        head.update(headers or {})
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        for attempt in range(2):
            conn = self._conn()
            try:
                conn.request(method, path, body=data, headers=head)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 1:
                    raise
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw.decode(errors="replace")


class Cluster:
    """PostgreSQL, Redis, one API and `workers` workers, configured by `settings` (extra
    BTR__ environment variables)."""

    def __init__(self, btrouter, root, workers=2, settings=None, worker_threads=2,
                 first_worker_env=None):
        self.btrouter, self.root = btrouter, root
        self.pg = Postgres(root)
        self.redis = Redis(root)
        self.db_url = self.pg.create_database("btrouter")
        self.api_port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "BTR__STORE__KIND": "postgres", "BTR__STORE__URL": self.db_url,
            "BTR__QUEUE__KIND": "redis", "BTR__QUEUE__URL": self.redis.url(),
            "BTR__JOBS__WORKERS": "0", "BTR__JOBS__LEASE_S": "3",
            "BTR__JOBS__REDISPATCH_INTERVAL_S": "0.5", "BTR__QUEUE__CLAIM_IDLE_S": "3",
            "BTR__LOG__LEVEL": "warn", "BTR__SERVER__DASHBOARD_DIR": "",
            "BTR__WORKER__THREADS": str(worker_threads),
        })
        self.env.update(settings or {})
        self.api = None
        self.workers = []
        self.start_api()
        self.client = Api(self.api_port, self.admin_key())
        for k in range(workers):
            self.add_worker(first_worker_env if k == 0 else None)

    def admin_key(self):
        path = os.path.join(self.root, "api", "admin.key")
        wait_until(lambda: os.path.exists(path), 30, "the admin key")
        return open(path).read().strip()

    def start_api(self, extra_env=None):
        env = dict(self.env)
        env.update(extra_env or {})
        os.makedirs(os.path.join(self.root, "api"), exist_ok=True)
        self.api = Process([self.btrouter, "serve", "--listen", "127.0.0.1:%d" % self.api_port,
                            "--data-dir", os.path.join(self.root, "api")],
                           os.path.join(self.root, "api.log"), env=env).start()
        wait_until(lambda: port_open(self.api_port) or not self.api.alive(), 60, "the API")
        if not self.api.alive():
            raise RuntimeError("the API did not start:\n" + self.api.log_tail())

    def add_worker(self, extra_env=None):
        k = len(self.workers)
        port = free_port()
        data = os.path.join(self.root, "worker%d" % k)
        env = dict(self.env)
        env.update(extra_env or {})
        w = Process([self.btrouter, "worker", "--data-dir", data, "--listen",
                     "127.0.0.1:%d" % port], os.path.join(self.root, "worker%d.log" % k),
                    env=env).start()
        w.port = port
        wait_until(lambda: port_open(port) or not w.alive(), 60, "worker %d" % k)
        if not w.alive():
            raise RuntimeError("worker %d did not start:\n%s" % (k, w.log_tail()))
        self.workers.append(w)
        return w

    def stop(self):
        for w in self.workers:
            w.stop()
        if self.api:
            self.api.stop()
        self.redis.kill()
        self.pg.kill(signal.SIGINT)

    def upload(self, csv_path, name):
        with open(csv_path, "rb") as f:
            data = f.read()
        status, body = self.client.call("POST", "/v1/datasets?name=" + name, data,
                                        content_type="text/csv")
        if status not in (200, 201):
            raise RuntimeError("upload failed: %s %s" % (status, body))
        return body["id"]


def make_root(prefix):
    root = tempfile.mkdtemp(prefix=prefix)
    os.chmod(root, 0o755)  # the postgres user must reach its folder inside
    return root


def remove_root(root):
    shutil.rmtree(root, ignore_errors=True)
