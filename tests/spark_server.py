"""A real Spark Connect server for tests, one per test session.

``make test`` installs the full ``pyspark`` (which holds the server's jars) in
``.spark-venv`` and names its Python in ``MODELTRAIL_SPARK_PYTHON``; the server needs Java 17
(``.ci/run`` installs it).  The ``spark_starting`` fixture starts
``SparkConnectServer`` with ``spark-submit`` on a free loopback port, with a token that
every client must send, logs in a temporary folder, and stops it at the end of the
session; ``spark_connect`` waits until it is up (~7 s here).  A test that also needs the
demo asks for ``spark_starting`` first: the JVM starts while the demo is generated.
Without the server it skips, and with ``CI=true`` it fails, never skips.  Registered in
conftest.py as a plugin.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

START_SECONDS = 120  # measured ~7 s alone; a loaded 2-core machine can take much longer
_STARTED = "Spark Connect server started"


@dataclass(frozen=True)
class SparkConnect:
    """A running server: its port, the token it wants, and its log."""

    port: int
    token: str
    log: Path

    def url(self, token: bool = False) -> str:
        """The ``sc://`` URL (``localhost``: the client sends a token to a local server
        without TLS only when the host is named so)."""
        base = f"sc://localhost:{self.port}"
        return f"{base}/;token={self.token}" if token else base


def endless_job(session: Any) -> list[Any]:
    """The rows of a job of hours on the engine of ``session``: it ends when cancelled."""
    return list(session.range(10**13).selectExpr("sum(id % 2)").collect())


def _spark_home(python: str) -> Path:
    code = "import os, pyspark; print(os.path.dirname(pyspark.__file__))"
    out = subprocess.run(
        [python, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    if out.returncode:
        _missing(f"{python} cannot import pyspark: {out.stderr.strip()[-500:]}")
    return Path(out.stdout.strip())


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(why, pytrace=False)  # CI runs against the real server, never skips
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def spark_connect(
    spark_starting: tuple[SparkConnect, subprocess.Popen[bytes]],
) -> SparkConnect:
    """The session's Spark Connect server, up (started on first use)."""
    server, process = spark_starting
    _wait_started(server, process)
    _import_client()
    return server


def _import_client() -> None:
    """Import the Spark Connect client with the interpreter marked interactive: a
    pytest-xdist worker's ``__main__`` is a ``python -c`` bootstrap, which the client's
    import-time check takes for its own doctest run (it then looks for a SPARK_HOME and
    exits).  Imported once, the check never runs again."""
    if hasattr(sys, "ps1"):
        return
    sys.ps1 = ">>> "
    try:
        import pyspark.sql.connect  # noqa: F401
    finally:
        del sys.ps1


@pytest.fixture(scope="session")
def spark_starting(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SparkConnect, subprocess.Popen[bytes]]]:
    """The session's Spark Connect server and its process, starting."""
    python = os.environ.get("MODELTRAIL_SPARK_PYTHON")
    if not python:
        _missing("set MODELTRAIL_SPARK_PYTHON to a Python with pyspark installed (make test does)")
    assert python is not None
    home = _spark_home(python)
    folder = tmp_path_factory.mktemp("spark-connect")
    server = SparkConnect(_free_port(), secrets.token_hex(16), folder / "server.log")
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(server.port),
        "spark.connect.authenticate.token": server.token,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.local.dir": str(folder / "local"),
        "spark.sql.warehouse.dir": str(folder / "warehouse"),
        "spark.sql.shuffle.partitions": "2",
    }
    command = [str(home / "bin" / "spark-submit"), "--master", "local[2]"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    command += ["--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOG_DIR": str(folder)}
    with server.log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "spark-internal"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env=env,
            start_new_session=True,  # its own process group: spark-submit and the JVM
        )
    try:
        yield server, process
    finally:
        _stop(process)


def _wait_started(server: SparkConnect, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS  # from now: the demo may have been made first
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Spark Connect server exited: {_tail(server.log)}", pytrace=False)
        if _STARTED in server.log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    pytest.fail(f"Spark Connect server not up in {START_SECONDS} s: {_tail(server.log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
