"""Throwaway servers for the tests: a PostgreSQL cluster and a Redis server on free local ports.

python -m tests.servers postgres -- pytest ...   runs a command with DATABASE_URL pointing at
                                                 the `hub` database of a fresh cluster, then
                                                 stops and removes the cluster.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql).")
    return candidates[-1]


def _as_postgres_user():
    """PostgreSQL refuses to run as root: drop to the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("postgres")

    def demote():
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return {"preexec_fn": demote}


@contextlib.contextmanager
def postgres_cluster():
    """Start a PostgreSQL cluster in a temporary directory; yield its URL; stop and remove it."""
    data_parent = tempfile.mkdtemp(prefix="hub-pg-")
    data_dir = os.path.join(data_parent, "data")
    port = free_port()
    demote = _as_postgres_user()
    if demote:
        os.chown(data_parent, pwd.getpwnam("postgres").pw_uid, pwd.getpwnam("postgres").pw_gid)
    log = os.path.join(data_parent, "server.log")
    subprocess.run(
        [
            _pg_bin("initdb"),
            "-D",
            data_dir,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **demote,
    )
    subprocess.run(
        [
            _pg_bin("pg_ctl"),
            "-D",
            data_dir,
            "-l",
            log,
            "-w",
            "-o",
            f"-p {port} -k {data_parent} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **demote,
    )
    try:
        # The site's own database; Django's test runner creates `test_hub` beside it.
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "hub"],
            check=True,
        )
        yield f"postgres://postgres@127.0.0.1:{port}/hub"
    finally:
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", data_dir, "-m", "immediate", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **demote,
        )
        shutil.rmtree(data_parent, ignore_errors=True)


@contextlib.contextmanager
def redis_server():
    """Start redis-server on a free local port without persistence; yield its URL."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server).")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="hub-redis-")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def wait_for_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"Nothing listened on port {port} within {timeout}s.")


def main(argv):
    if len(argv) < 3 or argv[0] != "postgres" or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    with postgres_cluster() as url:
        env = dict(os.environ, DATABASE_URL=url)
        return subprocess.call(argv[2:], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
