"""End to end: JupyterLab runs notebook 01, the Explorer draws, the hops slider redraws.

A real ``jupyter lab`` server (this venv, a free port, a random token, a private copy of
the notebooks and private settings) is driven by Debian's chromium through
``tests/browser.py``. The data is SciFact (its vectors are cached after the first run).

Set ``UPDATE_SCREENSHOT=1`` to also write ``docs/screenshot.png`` (the README's picture).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import chromium_page
from conftest import ROOT, SCIFACT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

NOTEBOOK = "01-explore-claims.ipynb"
SCREENSHOT = ROOT / "docs" / "screenshot.png"
NODE_COUNT = "network.body.data.nodes.length"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer {url} within {timeout:.0f} s:\n{log.read_text()}")


@pytest.fixture
def lab(tmp_path) -> Iterator[str]:
    """Start JupyterLab on a copy of the notebooks; yield the notebook's URL; stop it."""
    yield from start_lab(tmp_path, SCIFACT)


@pytest.fixture
def lab_on_a_copy(tmp_path) -> Iterator[str]:
    """JupyterLab whose notebooks read a copy of the bundled data (decisions write to it)."""
    copy = tmp_path / "scifact-copy"
    shutil.copytree(SCIFACT, copy)
    yield from start_lab(tmp_path, copy)


def start_lab(tmp_path: Path, data: Path) -> Iterator[str]:
    root = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_*"))
    settings = tmp_path / "lab-settings"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"autoStartDefaultKernel": True}))
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "EXPLORER_DATA": str(data),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    log = tmp_path / "jupyter-lab.log"
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/api/status?token={token}", process, log)
        yield f"{base}/lab/tree/{NOTEBOOK}?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def graph_frames(page) -> list:
    """Frames that hold a drawn neighborhood (the Explorer's graph iframe)."""
    found = []
    for frame in page.frames:
        if frame == page.main_frame:
            continue
        try:
            if frame.evaluate("typeof network !== 'undefined' && !!network.body"):
                found.append(frame)
        except Exception:  # noqa: BLE001 - a frame detached while we looked
            continue
    return found


def wait_for_node_count(page, differs_from: int | None = None, timeout: float = 90) -> int:
    """Node count of the graph iframe, once it exists (and differs from ``differs_from``)."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        for frame in graph_frames(page):
            try:
                seen = int(frame.evaluate(NODE_COUNT))
            except Exception:  # noqa: BLE001 - replaced by a newer iframe meanwhile
                continue
            if differs_from is None or seen != differs_from:
                return seen
        page.wait_for_timeout(250)
    pytest.fail(f"graph node count did not appear/change (last seen {seen}, was {differs_from})")


def accept_kernel_dialog(page) -> None:
    """Accept "Select Kernel" if JupyterLab asks (the preferred kernel is python3)."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        dialog.wait_for(state="visible", timeout=5_000)
    except Exception:  # noqa: BLE001 - no dialog: the kernel started by itself
        return
    dialog.locator(".jp-mod-accept").click()
    dialog.wait_for(state="hidden")


def run_all_cells(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


# A node other than the focus, and where it is drawn (relative to the canvas).
PICK_NODE = """() => {
  const other = network.body.data.nodes.get({filter: (n) => !n.focus})[0];
  const at = network.canvasToDOM(network.getPositions([other.id])[other.id]);
  return {id: String(other.id), x: at.x, y: at.y};
}"""


def test_explorer_in_jupyterlab_redraws_when_hops_change(lab, tmp_path):
    with chromium_page(viewport={"width": 1500, "height": 1100}) as page:
        try:
            open_and_run(page, lab)
            before = wait_for_node_count(page)
            assert before > 1

            hops = page.locator(".widget-hslider", has=page.locator("label", has_text="Hops"))
            assert hops.count() == 1
            handle = hops.locator(".noUi-handle")
            handle.scroll_into_view_if_needed()
            handle.click()
            handle.press("ArrowRight")
            after = wait_for_node_count(page, differs_from=before)
            assert after > before  # claim:scifact-990: 1 hop < 2 hops
            assert "2" in hops.locator(".widget-readout").inner_text()

            # Double-clicking a node in the drawing focuses it: the card follows.
            frame = graph_frames(page)[-1]
            frame.wait_for_function("window.stabilized === true", timeout=30_000)
            canvas = frame.locator("#mynetwork canvas")
            canvas.scroll_into_view_if_needed()
            target = frame.evaluate(PICK_NODE)
            box = canvas.bounding_box()
            page.mouse.dblclick(box["x"] + target["x"], box["y"] + target["y"])
            page.wait_for_function(
                """(id) => {
                  const el = document.querySelector(".claim-explorer .cge-card code");
                  return el !== null && el.textContent.trim() === id;
                }""",
                arg=target["id"],
                timeout=30_000,
            )

            # Typing (key by key, debounced in the kernel) lists live, typo-tolerant matches.
            search = page.locator(".claim-explorer .widget-text input").first
            search.click()
            search.press_sequentially("pyridostatn telomere", delay=40)
            matches = page.locator(".claim-explorer .explorer-matches select option")
            matches.first.wait_for(timeout=30_000)
            assert "Pyridostatin" in matches.first.inner_text()

            if os.environ.get("UPDATE_SCREENSHOT"):
                save_screenshot(page)
        except BaseException:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise


def open_and_run(page, url: str) -> None:
    """Open the notebook, wait for its kernel (the status says "Idle"), run every cell."""
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    accept_kernel_dialog(page)
    page.wait_for_selector(
        ".jp-NotebookPanel-toolbar [data-status='idle'], "
        ".jp-Toolbar-kernelStatus[data-status='idle']",
        timeout=60_000,
    )
    run_all_cells(page)
    page.wait_for_selector(".jp-OutputArea .claim-explorer iframe", timeout=120_000)


def test_accept_in_the_review_tab_shows_the_new_edge_in_the_card(lab_on_a_copy, tmp_path):
    with chromium_page(viewport={"width": 1500, "height": 1100}) as page:
        try:
            open_and_run(page, lab_on_a_copy)
            explorer_widget = page.locator(".jp-OutputArea-output .claim-explorer").first
            explorer_widget.locator(".lm-TabBar-tab", has_text="Review").click()
            accept = explorer_widget.locator(".review-accept button, button.review-accept")
            accept.first.wait_for(timeout=60_000)
            other = explorer_widget.locator(".review-entity code").nth(1).inner_text().strip()
            focus = explorer_widget.locator(".review-entity code").nth(0).inner_text().strip()
            assert other and other != focus
            accept.first.click()
            explorer_widget.locator(".lm-TabBar-tab", has_text="Explore").click()
            # The card now lists the accepted entity among the focus's typed neighbors: its
            # entry carries a relation badge (entries of the similarity section have none).
            page.wait_for_function(
                """(other) => {
                  const card = document.querySelector(".claim-explorer .cge-card");
                  if (card === null) return false;
                  const entry = card.querySelector(`li[data-entity-id="${other}"]`);
                  return entry !== null && entry.innerHTML.includes("#ddf4ff");
                }""",
                arg=other,
                timeout=60_000,
            )
        except BaseException:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            raise


def save_screenshot(page) -> None:
    """Write the Explorer (search, card, graph) to docs/screenshot.png."""
    for frame in graph_frames(page):
        frame.wait_for_function("window.stabilized === true", timeout=30_000)
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 1500, "height": 1400})
    widget = page.locator(".jp-OutputArea-output .claim-explorer")
    widget.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    widget.screenshot(path=str(SCREENSHOT))
