"""A throwaway PostgreSQL server for tests: `initdb` in a temporary folder, 127.0.0.1 only, run as a
non-root user, removed afterwards. Where PostgreSQL 15 or later is absent, or there is no user to run it
as, the test is skipped and says why (a known gap, not a pass)."""

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MIN_MAJOR = 15
DATABASE = "dagster"
USER = "ohwb_test"  # the server's superuser, created by initdb; not an operating-system account
SERVER_ACCOUNT = "postgres"  # the operating-system account the server runs as when the tests run as root


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    username: str
    password: str
    db_name: str
    version: str

    @property
    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads its connection from."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.username,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.db_name,
        }

    def connect(self):
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port, user=self.username, password=self.password, dbname=self.db_name
        )


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # Debian keeps the server programs beside each other, off the PATH.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major_of_path)
    return candidates[-1] if candidates else None


def _major_of_path(path: str) -> int:
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match.group(1)) if match else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[Server]:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip(f"PostgreSQL {MIN_MAJOR} is not installed here (no initdb/pg_ctl): known gap, not run")
    version = subprocess.run([initdb, "--version"], capture_output=True, text=True).stdout.strip()
    major = re.search(r"(\d+)(?:\.\d+)?", version)
    if not major or int(major.group(1)) < MIN_MAJOR:
        pytest.skip(f"PostgreSQL {MIN_MAJOR} or later is needed, found {version!r}: known gap, not run")

    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam(SERVER_ACCOUNT)
        except KeyError:
            pytest.skip(f"running as root and there is no {SERVER_ACCOUNT!r} account to run PostgreSQL as")
        runuser = shutil.which("runuser")
        if not runuser:
            pytest.skip("running as root without `runuser`: PostgreSQL cannot be run as a non-root user")
        as_user = [runuser, "-u", SERVER_ACCOUNT, "--"]

    work = Path(tempfile.mkdtemp(prefix="ohwb-pg-"))
    data, log, pwfile = work / "data", work / "server.log", work / "password"
    password = secrets.token_hex(16)
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    if owner is not None:
        for path in (work, pwfile):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    started = False
    try:
        done = subprocess.run(
            [*as_user, initdb, "-D", str(data), "-U", USER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:  # installed but not working: a failure, not a gap
            raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
        # Loopback only, a socket folder of its own (not /var/run/postgresql), no fsync: data is throwaway.
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={work}"
        options += " -c fsync=off"
        done = subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            server_log = log.read_text()[-1500:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}\n{server_log}")
        started = True
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=port, user=USER, password=password, dbname="postgres")
        con.autocommit = True
        with con.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
        con.close()
        yield Server("127.0.0.1", port, USER, password, DATABASE, version)
    finally:
        if started:
            stop = [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]
            subprocess.run(stop, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
