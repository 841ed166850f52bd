"""A real PostgreSQL server for the tests in this folder.

``postgres_url`` (session): ``$LEERWINKELS_TEST_POSTGRES_URL`` when set (a superuser URL
of a server you run yourself), else a throw-away server started from the PostgreSQL
binaries the ``pgserver`` wheel ships (``pgserver.initdb`` / ``pgserver.pg_ctl``), in a
temp dir, listening on 127.0.0.1:<free port> (password auth, scram) and on a unix socket
in the same temp dir (trust). It is stopped and deleted at the end of the session.

``pg_database_url`` (function): a fresh, uniquely named database on that server,
dropped after the test.

Root: PostgreSQL refuses to run as root. As root, the server runs as the unprivileged
system user ``pgserver`` -- the same user ``pgserver.get_server()`` uses -- created with
``useradd`` when missing, with its own uid, gid and no supplementary groups. The temp
dir belongs to that user. When that user cannot reach the bundled binaries (a clone inside
a folder only root may enter), a world-readable copy of them in the temp folder is used;
nothing of the clone changes. No sudo configuration is needed.

If no server can be started the fixture FAILS with the reason: these tests are never
skipped.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

TEST_URL_ENV = "LEERWINKELS_TEST_POSTGRES_URL"
SERVER_USER_WHEN_ROOT = "pgserver"


@dataclass
class LocalPostgres:
    """A PostgreSQL server started from pgserver's binaries in ``base``."""

    base: Path
    port: int
    password: str
    run_as: str | None
    bin_dir: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def pgdata(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        return sa.URL.create(
            "postgresql+psycopg",
            username="postgres",
            password=self.password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        ).render_as_string(hide_password=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):  # the directory goes anyway
            _run_pg(self, "pg_ctl", ["-D", str(self.pgdata), "-m", "fast", "-w", "stop"], timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def _drop_privileges_kwargs(run_as: str | None) -> dict[str, Any]:
    if run_as is None:
        return {}
    entry = pwd.getpwnam(run_as)
    # uid, gid and an empty supplementary group list: nothing of root's is kept.
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _run_pg(server: LocalPostgres, exe: str, args: list[str], timeout: float) -> None:
    """Run one of the bundled binaries (as the server user), output to the log file."""
    with open(server.base / f"{exe}.out", "ab") as out:
        result = subprocess.run(
            [str(server.bin_dir / exe), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,  # never a pipe: postgres inherits it and would keep it open
            stderr=subprocess.STDOUT,
            cwd=server.base,
            timeout=timeout,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            **_drop_privileges_kwargs(server.run_as),
        )
    if result.returncode != 0:
        output = (server.base / f"{exe}.out").read_text(errors="replace")[-3000:]
        log = server.log_file.read_text(errors="replace")[-3000:] if server.log_file.exists() else ""
        raise RuntimeError(f"{exe} {' '.join(args)} failed ({result.returncode}):\n{output}\n{log}")


def _ensure_server_user() -> str:
    """As root: the unprivileged user that owns and runs the server."""
    try:
        pwd.getpwnam(SERVER_USER_WHEN_ROOT)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        if not os.path.exists(useradd):
            raise RuntimeError(
                "running as root and user 'pgserver' does not exist; `useradd` is not "
                "available to create it (PostgreSQL refuses to run as root)"
            ) from None
        # Same user pgserver.get_server() creates; a system account without login.
        subprocess.run(
            [useradd, "--system", "--user-group", "--no-create-home",
             "--shell", "/usr/sbin/nologin", SERVER_USER_WHEN_ROOT],
            check=True, capture_output=True, text=True,
        )
    return SERVER_USER_WHEN_ROOT


def _can_execute(bin_dir: Path, run_as: str) -> bool:
    try:
        probe = subprocess.run(
            [str(bin_dir / "postgres"), "--version"],
            capture_output=True, cwd="/", **_drop_privileges_kwargs(run_as),
        )
    except PermissionError:  # the exec itself is refused: a folder on the way is closed to run_as
        return False
    return probe.returncode == 0


def _binaries_reachable_by(bin_dir: Path, run_as: str) -> Path:
    """The ``bin`` folder of a PostgreSQL install that ``run_as`` may execute.

    The wheel's own install when ``run_as`` can reach it; otherwise (a clone inside a
    folder only root may enter, such as a ``mktemp -d`` folder or root's home) a copy of
    it in the temp folder, readable by everyone -- the binaries are relocatable. Nothing
    of the clone's folders or their permissions is changed.
    """
    if _can_execute(bin_dir, run_as):
        return bin_dir
    # The binaries find their shared libraries through RPATH $ORIGIN/../../../pgserver.libs
    # (site-packages/pgserver/pginstall/bin -> site-packages/pgserver.libs): the copy keeps
    # that layout.
    install = bin_dir.parent
    site = install.parent.parent
    version = hashlib.sha256(f"{install.resolve()}:{(bin_dir / 'postgres').stat().st_mtime_ns}".encode()).hexdigest()[:12]
    copy = Path(tempfile.gettempdir()) / f"lwpg-install-{version}"
    copied_bin = copy / "pgserver" / "pginstall" / "bin"
    if not (copied_bin / "postgres").exists():
        partial = Path(tempfile.mkdtemp(prefix="lwpg-install-partial-", dir=tempfile.gettempdir()))
        for part in ("pgserver/pginstall/bin", "pgserver/pginstall/lib", "pgserver/pginstall/share", "pgserver.libs"):
            if (site / part).is_dir():
                shutil.copytree(site / part, partial / part, symlinks=True)
        for folder in [partial, *(p for p in partial.rglob("*") if p.is_dir() and not p.is_symlink())]:
            folder.chmod(0o755)
        for file in (p for p in partial.rglob("*") if p.is_file() and not p.is_symlink()):
            file.chmod(file.stat().st_mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        try:
            partial.rename(copy)  # atomic: a concurrent session either sees all of it or none
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)  # another session was first
    if _can_execute(copied_bin, run_as):
        return copied_bin
    raise RuntimeError(
        f"user {run_as!r} (PostgreSQL refuses to run as root) cannot execute pgserver's postgres binary, "
        f"neither in {bin_dir} nor in a copy at {copy}; check that {tempfile.gettempdir()} is not mounted noexec, "
        f"or set {TEST_URL_ENV} to a PostgreSQL server of your own"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_local_postgres(*, fsync: bool = False, parent: str | None = None) -> LocalPostgres:
    """Initialise and start a throw-away server; ``stop()`` removes it again.

    ``fsync=False`` for tests (faster commits, no durability needed); benchmarks pass
    ``fsync=True`` to measure what production would do.
    """
    with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
        warnings.simplefilter("ignore")
        from pgserver._commands import POSTGRES_BIN_PATH

    bin_dir = Path(POSTGRES_BIN_PATH)
    if not (bin_dir / "postgres").exists():
        raise RuntimeError(f"pgserver ships no postgres binary at {bin_dir}")

    run_as = None
    if os.geteuid() == 0:
        run_as = _ensure_server_user()
        bin_dir = _binaries_reachable_by(bin_dir, run_as)

    # Short path: a unix socket path must stay under ~100 bytes.
    base = Path(tempfile.mkdtemp(prefix="lwpg-", dir=parent or "/tmp"))
    server = LocalPostgres(base=base, port=0, password=secrets.token_urlsafe(16),
                           run_as=run_as, bin_dir=bin_dir)
    try:
        pwfile = base / "pwfile"
        pwfile.write_text(server.password + "\n")
        pwfile.chmod(0o600)
        if run_as is not None:
            entry = pwd.getpwnam(run_as)
            base.chmod(0o700)
            os.chown(base, entry.pw_uid, entry.pw_gid)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        _run_pg(server, "initdb", [
            "-D", str(server.pgdata), "-U", "postgres", "--pwfile", str(pwfile),
            "--auth-local=trust", "--auth-host=scram-sha-256",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        ], timeout=120)
        pwfile.unlink()

        last_error: Exception | None = None
        for _attempt in range(3):  # a free port may be taken between probe and bind
            server.port = _free_port()
            options = (
                f"-h 127.0.0.1 -p {server.port} -k {server.socket_dir} "
                f"-c fsync={'on' if fsync else 'off'} "
                "-c max_connections=50 -c shared_buffers=128MB"
            )
            try:
                _run_pg(server, "pg_ctl", [
                    "-D", str(server.pgdata), "-l", str(server.log_file),
                    "-o", options, "-w", "-t", "60", "start",
                ], timeout=90)
                break
            except RuntimeError as exc:
                last_error = exc
                time.sleep(0.5)
        else:
            raise RuntimeError(f"PostgreSQL did not start: {last_error}")
    except BaseException:
        server.stop()
        raise
    atexit.register(server.stop)  # also when the session dies before its teardown
    return server


def _as_psycopg_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"{TEST_URL_ENV} must be a postgresql:// URL")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Any:
    """Superuser URL (``postgresql+psycopg://``) of the test server's ``postgres`` db."""
    configured = os.environ.get(TEST_URL_ENV)
    if configured:
        url = _as_psycopg_url(configured)
        try:
            engine = sa.create_engine(url, poolclass=NullPool)
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except Exception as exc:
            pytest.fail(f"{TEST_URL_ENV} is set but unusable: {exc}", pytrace=False)
        yield url
        return
    try:
        server = start_local_postgres()
    except Exception as exc:
        pytest.fail(f"could not start a PostgreSQL server with pgserver: {exc}", pytrace=False)
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture
def pg_database_url(postgres_url: str) -> Any:
    """URL of a fresh database, created for this test and dropped after it."""
    name = f"lw_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(postgres_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
