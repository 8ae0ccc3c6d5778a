"""``make lab`` starts a headless JupyterLab server that offers the ``scrutiny`` kernel."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STAMP = ".venv/.scrutiny-installed"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, token: str) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - localhost only
        return json.loads(resp.read())


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_the_scrutiny_kernel(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    lab_args = (
        f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
        f"--IdentityProvider.token={token} "
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"
    )
    # no --allow-root here: as root (containers, CI) `make lab` must add it itself
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    log = (tmp_path / "lab.log").open("w")
    # -o: take the installed environment as up to date (`make test` has just checked it)
    proc = subprocess.Popen(
        ["make", "-s", "-o", STAMP, "lab", f"LAB_ARGS={lab_args}"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api/kernelspecs"
    try:
        deadline = time.monotonic() + 90
        specs = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                specs = get_json(url, token)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert specs is not None, (tmp_path / "lab.log").read_text()[-3000:]
        assert "scrutiny" in specs["kernelspecs"]
        assert specs["kernelspecs"]["scrutiny"]["spec"]["display_name"] == "Python (scrutiny)"
        assert specs["default"] == "scrutiny"
        # the token is required: without it the API refuses
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url, timeout=5)  # noqa: S310
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
    assert proc.returncode is not None
