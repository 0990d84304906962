"""`helpdesk-rules segments`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk.cli import main

EXECUTABLE = Path(sys.executable).parent / "helpdesk-rules"


def test_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segments", "hello there"]) == 0
    assert capsys.readouterr().out == "11 characters, 1 segment (GSM-7)\n"


def test_suggests_the_rewrite_when_it_saves(capsys: pytest.CaptureFixture[str]) -> None:
    text = "It’s " + "a" * 80
    assert main(["segments", text]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "85 characters, 2 segments (UCS-2)",
        "Smart encoding would save 1 segment: 85 characters, 1 segment (GSM-7) "
        "(use --smart-encoding).",
    ]


def test_smart_encoding(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segments", "It’s " + "a" * 80, "--smart-encoding"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "85 characters, 1 segment (GSM-7)",
        "Smart encoding saved 1 segment (85 characters, 2 segments (UCS-2) before).",
    ]


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segments", "“Hi” €", "--json", "--smart-encoding"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "encoding": "GSM-7",
        "characters": 6,
        "segments": 1,
        "units_per_segment": 160,
        "text": '"Hi" €',
    }


def test_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("😀" * 36 + "\n"))
    assert main(["segments", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["encoding"], out["characters"], out["segments"]) == ("UCS-2", 36, 2)


def test_installed_command() -> None:
    done = subprocess.run(
        [str(EXECUTABLE), "segments", "--json"],
        input="a" * 161,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout)["segments"] == 2
    assert done.stderr == ""


def test_register_adds_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from helpdesk.cli import _segments

    parser = argparse.ArgumentParser(prog="helpdesk-rules")
    _segments.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["segments", "{x}", "--json"])
    assert args.handler(args) == 0
    assert json.loads(capsys.readouterr().out)["characters"] == 3
