"""Quitting the console while a provider read is stuck: the process ends at once.

The console runs for real in a pseudo-terminal (80×24) on a profile whose prediction logs
come from a Blob server on 127.0.0.1 that sends its status and then one byte a second.
When the listing is under way, ``q`` is typed; the process must be gone within seconds,
not when the server stops (or the request's deadline passes).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from faultserver import FaultServer, trickle

from tui.demo.workspace import DemoCase

STUCK_FOR = 40.0  # how long the server trickles, and the request's deadline
QUIT_WITHIN = 6.0


def test_q_during_a_stuck_read_exits_at_once(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    answer = trickle({"Content-Type": "application/xml"}, gap=1.0, lasting=STUCK_FOR)
    with FaultServer(answer) as server:
        account = f"{server.url}/devstoreaccount1"
        config = tmp_path / "config.toml"
        config.write_text(
            "[profiles.stuck]\n"
            f"workspace = {json.dumps(str(demo[0]))}\n"
            "[profiles.stuck.predictions]\n"
            'provider = "azure-blob"\n'
            f'account_url = "{account}"\n'
            'container = "modeldata"\n'
            'sas_env = "MT_STUCK_SAS"\n'
            f"timeout = {STUCK_FOR}\n"
        )
        sas = "sv=2024-08-04&sig=c3R1Y2stc2lnbmF0dXJl"
        env = {**os.environ, "MT_STUCK_SAS": sas, "TERM": "xterm"}
        binary = Path(sys.executable).parent / "modeltrail"
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        process = subprocess.Popen(
            [str(binary), "--config", str(config), "--profile", "stuck"],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=env,
            start_new_session=True,
        )
        os.close(follower)
        try:
            started = time.monotonic()
            while not server.paths and time.monotonic() - started < 60:
                _drain(leader)
                assert process.poll() is None, "the console stopped before reading the logs"
            assert server.paths, "the console never asked the Blob server"
            time.sleep(1.0)  # the listing is now stuck in the trickle
            os.write(leader, b"q")
            quit_at = time.monotonic()
            while process.poll() is None and time.monotonic() - quit_at < STUCK_FOR:
                _drain(leader)
            took = time.monotonic() - quit_at
            assert process.poll() == 0, "the console did not exit"
            assert took < QUIT_WITHIN, f"exit took {took:.1f} s after q"
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            os.close(leader)


def _drain(fd: int) -> None:
    """Read what the console drew (a full pty would block it), waiting at most 0.1 s."""
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            os.read(fd, 65536)
        except OSError:  # the console closed its side
            time.sleep(0.05)
