"""`make run` as a newcomer uses it: the demo comes up, its three commands work, it resumes."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.integration.nodes import ROOT, free_port

BIN = Path(sys.executable).parent


def start_demo(data: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the demo and read its output up to the printed commands."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "tools.demo", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert demo.stdout is not None
    lines: list[str] = []
    for line in demo.stdout:
        lines.append(line.rstrip())
        if "receipt verify" in line:
            break
    return demo, lines


def run_printed(command: str) -> subprocess.CompletedProcess[str]:
    words = shlex.split(command)
    env = dict(os.environ)
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    words[0] = str(BIN / Path(words[0]).name)
    return subprocess.run(words, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_demo_serves_its_story_and_its_printed_commands_work_and_it_resumes(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    demo, lines = start_demo(data, port)
    try:
        text = "\n".join(lines)
        assert "double_spend" in text and "limit_exceeded" in text and "audit: OK" in text
        curl, pay, verify = [line.strip() for line in lines[-3:]]
        assert curl.startswith("curl ")
        supply = httpx.get(curl.split()[-1], timeout=10).json()
        assert supply["tokens"]["KZT"] > 0
        paid = run_printed(pay)
        assert paid.returncode == 0, paid.stdout + paid.stderr
        checked = run_printed(verify)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "verified" in checked.stdout
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=60)
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.demo",
            "--data",
            str(data),
            "--port",
            str(port),
            "--check",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert again.returncode == 0, again.stderr
    assert "Resuming the network found at height" in again.stdout


def test_make_run_installs_only_what_running_needs() -> None:
    """The main command's install steps (as make would run them on a fresh clone) name no
    test-only package: neither the browser nor the dev extras."""
    planned = subprocess.run(
        ["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert planned.returncode == 0, planned.stderr
    assert "libsodium23" in planned.stdout, "running needs libsodium (privacy/)"
    assert "chromium" not in planned.stdout
    assert ".[dev]" not in planned.stdout
    tests = subprocess.run(
        ["make", "-n", "-B", "lint"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "chromium" in tests.stdout and ".[dev]" in tests.stdout


def demo_check(env: dict[str, str], timeout: int) -> subprocess.CompletedProcess[str]:
    """`python -m tools.demo --check` with the given environment."""
    return subprocess.run(
        [sys.executable, "-m", "tools.demo", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_demo_takes_its_port_and_data_dir_from_tenge_port_and_tenge_data_dir(
    tmp_path: Path,
) -> None:
    """`TENGE_PORT=… TENGE_DATA_DIR=… make run`: the demo binds that port and writes there."""
    data, port = tmp_path / "elsewhere", free_port()
    env = dict(os.environ, TENGE_PORT=str(port), TENGE_DATA_DIR=str(data))
    demo = demo_check(env, timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert f"The node is serving http://127.0.0.1:{port} " in demo.stdout
    assert (data / "ledger").is_dir() and (data / "keys" / "aigerim.keystore").is_file()
    planned = subprocess.run(
        ["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "-m tools.demo" in planned.stdout and "--data" not in planned.stdout, planned.stdout


def test_demo_refuses_a_tenge_port_that_is_not_a_number() -> None:
    env = dict(os.environ, TENGE_PORT="eighty")
    demo = demo_check(env, timeout=60)
    assert demo.returncode == 2 and "--port" in demo.stderr
