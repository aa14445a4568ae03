"""The one command line, ``cgov <command>``: it lists every command, reaches each tool, is what the
Makefile calls, and answers bad input with a message and a non-zero exit status, never a traceback."""
from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cgov.__main__ import main, parser
from conftest import ROOT

COMMANDS = {"report", "data", "sim", "pdf", "slides", "dist", "diff", "bench", "bench-report"}
CGOV = Path(sys.executable).with_name("cgov")


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``cgov ARGV`` run in this process; an exception other than
    SystemExit (a traceback for the user) fails the test."""
    try:
        status = main(argv)
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    return status, out, err


def test_help_lists_every_command():
    shown = subprocess.run([str(CGOV), "--help"], capture_output=True, text=True, check=True).stdout
    assert set(parser().commands) == COMMANDS
    for name in COMMANDS:
        assert re.search(rf"^\s+{re.escape(name)}\s", shown, re.M), f"cgov --help does not list {name}"


def test_python_dash_m_cgov_is_the_same_command_line():
    shown = subprocess.run([sys.executable, "-m", "cgov", "--help"], capture_output=True, text=True, check=True).stdout
    assert all(name in shown for name in COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS - {"sim"}))
def test_each_command_explains_itself(name, capsys):
    status, out, _ = run([name, "--help"], capsys)
    assert status == 0 and out.startswith(f"usage: cgov {name}")


def test_sim_passes_its_options_on_to_the_simulator(capsys):
    status, out, _ = run(["sim", "--help"], capsys)
    assert status == 0 and "--seed" in out


def test_every_command_reaches_a_function_that_exists():
    """The tools are imported only when their command runs: check here that each one is there."""
    for name, command in parser().commands.items():
        target = command.get_default("run")
        if hasattr(target, "module"):  # imported when it runs
            target = getattr(importlib.import_module(target.module), target.function)
        assert callable(target), name


def test_makefile_calls_cgov_and_no_module_entry_point():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert not re.search(r"python -m cgov", makefile)
    called = set(re.findall(r"\$\(BIN\)/cgov ([\w-]+)", makefile))
    assert called == COMMANDS - {"report", "diff"}, "every tool has its make target, and it calls cgov"


@pytest.mark.parametrize("argv, message", [
    ([], "required"),
    (["nope"], "invalid choice"),
    (["data", "nope"], "invalid choice"),
    (["diff", "a", "b", "c"], "unrecognized arguments: c"),
    (["bench", "--runs", "0"], "not a positive integer"),
    (["sim", "--seed", "x"], "invalid int value"),
    (["pdf", "--path-output"], "expected one argument"),
    (["report", "no-such-survey.csv", "--out", "no-such-folder"], "no-such-survey.csv"),
])
def test_bad_input_gives_a_message_not_a_traceback(argv, message, capsys):
    status, _, err = run(argv, capsys)
    assert status != 0
    assert message in err
    assert "Traceback" not in err


def test_diff_of_missing_or_broken_results_says_which_file(tmp_path, capsys):
    status, _, err = run(["diff", str(tmp_path / "old"), str(tmp_path)], capsys)
    assert status == 2 and f"{tmp_path / 'old'}: no such results folder" in err
    (tmp_path / "01-a.json").write_text('{"x": ', encoding="utf-8")
    status, _, err = run(["diff", str(tmp_path), str(tmp_path)], capsys)
    assert status == 2 and "01-a.json: line 1" in err and "not valid JSON" in err
