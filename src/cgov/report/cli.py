"""The ``cgov report`` subcommand: arguments and help text; the work is done by :func:`cgov.report.build_report`."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import cgov
from cgov.errors import DataError
from cgov.report.privacy import MIN_CELL

#: Exit status of an unexpected error (BSD sysexits EX_SOFTWARE); bad input exits with 1.
INTERNAL_ERROR = 70


def min_cell(text: str) -> int:
    """``--min-cell``: an integer no smaller than the default (suppression can be raised, never lowered)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” 不是整数 (not an integer)") from None
    if value < MIN_CELL:
        raise argparse.ArgumentTypeError(f"不能小于 {MIN_CELL}：小格子保护只能调高 (cannot be below {MIN_CELL})")
    return value


def register(commands) -> None:
    """Add ``report`` to the subcommands of ``cgov``."""
    parser = commands.add_parser(
        "report", help="用本书的方法诊断自己的社区调查 (diagnose your own community survey)",
        description="按本书的编码表校验居民调查文件，计算诊断指标，生成离线 HTML 报告和 CSV 表格。")
    parser.add_argument("survey", type=Path, help="居民调查文件 SURVEY.csv 或 .xlsx")
    parser.add_argument("--communities", type=Path, help="社区问卷文件 COMMUNITIES.csv 或 .xlsx（可选）")
    parser.add_argument("--out", type=Path, required=True, help="报告文件夹：不存在或为空")
    parser.add_argument("--min-cell", type=min_cell, default=MIN_CELL,
                        help=f"少于此人数的表格格子不显示，默认 {MIN_CELL}，只能调高")
    parser.add_argument("--drop", action="append", default=[], metavar="COLUMN",
                        help="生成报告时去掉的列（如姓名、电话），可重复；输入文件本身不会被修改")
    parser.set_defaults(run=run)


class Terminated(BaseException):
    """SIGTERM arrived (the session ended, ``kill``): unwinds like Ctrl-C, so partial output is removed."""


def _terminate(signum, frame):
    raise Terminated()


@contextmanager
def sigterm_like_sigint():
    """While the report is made, SIGTERM unwinds the program as Ctrl-C does instead of killing it outright."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    """Make the report; bad input is a DataError (exit 1), anything unexpected a short plea to report it."""
    from cgov.report import build_report

    try:
        with sigterm_like_sigint():
            build_report(args.survey, args.out, args.communities, args.min_cell, tuple(args.drop))
    except (DataError, OSError):
        raise
    except Terminated:
        print("已中止，没有写出任何报告文件 (terminated: no report was written)", file=sys.stderr)
        return 128 + signal.SIGTERM
    except Exception as exc:  # noqa: BLE001 — whatever it is, the user gets a message, not a traceback
        if os.environ.get("CGOV_DEBUG"):
            raise
        print(f"内部错误，请报告 (internal error, please report): cgov {cgov.__version__}, {type(exc).__name__}；"
              f"没有写出任何报告文件 (no report was written). 设置环境变量 CGOV_DEBUG=1 可显示详细信息 "
              f"(set CGOV_DEBUG=1 for details).", file=sys.stderr)
        return INTERNAL_ERROR
    print(f"报告已写入 (report written to) {args.out / 'report.html'}")
    return 0
