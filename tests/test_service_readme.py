"""The README's *HTTP service* section runs as written: its one command starts the service (on a free
port instead of 8000) and its curl calls score, validate and manage rulesets."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from supplierscore import load_ruleset

ROOT = Path(__file__).resolve().parents[1]


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## HTTP service\n", 1)[1].split("\n## ", 1)[0]


def _blocks(section: str) -> list[str]:
    return re.findall(r"```\n(.*?)```", section, flags=re.DOTALL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_starts_the_service_and_its_curl_calls_work(tmp_path: Path) -> None:
    """The start command (without its `pip install .`) serves; every curl call answers as described."""
    start, calls = _blocks(_section())[:2]
    assert start.startswith("pip install . && ") and "supplierscore serve --keys keys.json" in start
    for needed in ("/v1/score", "/v1/validate", "/v1/rulesets"):
        assert needed in calls
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("audit"))
    rules = (
        (ROOT / "rules" / "cities-of-migration.yaml").read_text().replace("version: 1.0.0", "version: 1.1.0")
    )
    (tmp_path / "my-rules.yaml").write_text(rules)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(
        "supplierscore keys add keys.json ops --role admin > ops.key",
        shell=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    command = start.strip().removeprefix("pip install . && ") + f" --port {port}"
    server = subprocess.Popen(
        command, shell=True, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        script = calls.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace("SHA256", load_ruleset().sha256)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    assert done.returncode == 0, done.stderr
    sheet = json.loads((tmp_path / "sheet.json").read_text())
    assert sheet["rows"] and sheet["metadata"]["counts"]["rejected"] == 0
    out = done.stdout
    assert out.startswith("tender_id,tender_title,rank,bid_id")  # the CSV sheet
    assert '"urn:supplierscore:problem:rejected-bids"' in out  # validate's rejections
    assert '"version":"1.1.0"' in out and '"canonical":' in out  # registered, listed, fetched
