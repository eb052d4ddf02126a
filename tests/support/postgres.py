"""A throwaway PostgreSQL cluster in a temporary folder, on a free loopback port (tests and bench).

The server binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/<n>/bin``;
``tools/ensure_postgres.py`` installs it). PostgreSQL refuses to run as root, so as root every
server command runs as the ``postgres`` user (``runuser -u postgres --``) and the folder is
handed to that user; otherwise it runs as whoever we are. Nothing outside the folder is touched:
the Unix socket lives in it too, and it is removed at the end.

Example::

    with postgres_cluster() as cluster:
        url = cluster.create_database()          # postgresql://postgres@127.0.0.1:<port>/db_1
        cluster.stop(); cluster.start()          # a restart under a running API
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.server import free_port

SERVER_USER = "postgres"


def bin_dir() -> Path | None:
    """The newest installed server's bin folder (``$PG_BIN`` first), or None."""
    override = os.environ.get("PG_BIN")
    if override:
        return Path(override) if (Path(override) / "initdb").exists() else None
    def major(initdb: str) -> int:
        name = Path(initdb).parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def available() -> bool:
    return bin_dir() is not None


@dataclass
class Cluster:
    folder: Path
    port: int
    bin: Path
    log: Path = field(init=False)
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.log = self.folder / "server.log"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin / command[0]), *command[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=120, cwd=self.folder)

    def init(self, *, fsync: bool) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SERVER_USER, "--auth=trust", "-E", "UTF8",
                  "--locale=C", *([] if fsync else ["--no-sync"]))
        settings = {
            "listen_addresses": "'127.0.0.1'", "port": str(self.port),
            "unix_socket_directories": f"'{self.folder}'", "max_connections": "300",
            "fsync": "on" if fsync else "off", "full_page_writes": "on" if fsync else "off",
            "shared_buffers": "64MB", "logging_collector": "off", "log_min_messages": "warning",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# throwaway test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log))

    def stop(self, mode: str = "fast") -> None:
        """``fast``: connections are cut, in-flight transactions roll back (a restart under load)."""
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data), "-m", mode, check=False)

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"db_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY file_copy")
        return self.url(name)


@contextlib.contextmanager
def postgres_cluster(*, fsync: bool = False) -> Iterator[Cluster]:
    """Start a cluster (``fsync=False`` for tests: fast, and nothing here outlives the run;
    ``fsync=True`` for honest benchmark figures); stop and remove it afterwards."""
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb): run tools/ensure_postgres.py")
    folder = Path(tempfile.mkdtemp(prefix="chatbooking-pg-"))
    try:
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(folder, user.pw_uid, user.pw_gid)
        folder.chmod(0o700)
        cluster = Cluster(folder, free_port(), binaries)
        cluster.init(fsync=fsync)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
