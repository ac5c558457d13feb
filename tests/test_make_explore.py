"""`make explore`, the first of the README's two commands, starts JupyterLab on notebook 01."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest
from test_jupyterlab_e2e import free_port

from conftest import ROOT


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_explore_serves_the_main_notebook(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "explore.log"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    args = f"--no-browser --ServerApp.token={token} --ServerApp.ip=127.0.0.1"
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "explore", f"PORT={port}", f"JUPYTER_ARGS={args}"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a first install of .venv can take minutes
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
        # Given a notebook, JupyterLab serves from the notebook's folder.
        url = f"{base}/api/contents/01-explore-claims.ipynb?token={token}&content=1"
        with urllib.request.urlopen(url, timeout=10) as response:
            notebook = json.load(response)
        assert notebook["type"] == "notebook"
        assert any("Explorer(" in "".join(c["source"]) for c in notebook["content"]["cells"])
        text = log.read_text()
        assert "01-explore-claims.ipynb" in text  # the notebook it was asked to open
        assert "EXPLORER_DATA=" in text and "data/scifact" in text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
