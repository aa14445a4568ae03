"""``cgov`` / ``python -m cgov``: the one command line of the book and its tools.

``cgov --help`` lists the commands; ``cgov COMMAND --help`` explains one. Each command's module is
imported only when it runs, so ``cgov report`` never loads Sphinx. This is the one module of the core
package that reaches the book's tooling (:mod:`cgov.site`, :mod:`cgov.release`).

Bad input ends with its message on stderr and a non-zero exit status, never with a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cgov import paths
from cgov.errors import DataError
from cgov.release import ReleaseError
from cgov.report import cli as report_cli


def _with_args(target: Callable, args: argparse.Namespace):
    """Call a command's ``run`` with the parsed arguments."""
    return target(args)


@dataclass(frozen=True)
class _Runs:
    """A command that imports ``module`` only when it runs, then calls ``call(module.function, args)``
    (by default ``module.run(args)``); a function that returns nothing has succeeded."""

    module: str
    function: str = "run"
    call: Callable = _with_args

    def __call__(self, args: argparse.Namespace) -> int:
        return self.call(getattr(importlib.import_module(self.module), self.function), args) or 0


def _add_commands(commands) -> None:
    """Every command: its arguments and help here, its work in the module it names."""
    report_cli.register(commands)
    data = commands.add_parser(
        "data", help="真实数据：下载、重建、计时 (real data: fetch, build, bench)",
        description="fetch: cache the eight division-code tarballs (sha512-checked); build: derive "
                    "data/processed/*.csv and data/datapackage.json from data/raw; bench: time and memory of build.")
    data.add_argument("action", choices=["fetch", "build", "bench"])
    data.set_defaults(run=_Runs("cgov.pipeline", "main", lambda main, args: main([args.action])))
    sim = commands.add_parser(
        "sim", add_help=False, help="重新生成模拟教学数据 data/sim/ (regenerate the simulated teaching data; "
                                    "cgov sim --help for its options)")
    sim.set_defaults(run=_Runs("cgov.sim.files", "main", lambda main, args: main(args.rest)), passes_on=True)
    pdf = commands.add_parser("pdf", help="生成 A4 PDF 讲义 (the A4 PDF handouts; needs XeLaTeX: make pdf)",
                              description="Build the LaTeX of the book and compile the book and each chapter to PDF; "
                                          "print each chapter's trainee handout and instructor edition from "
                                          "the built site (build the book first).")
    pdf.add_argument("--path-output", type=Path, default=paths.ROOT,
                     help="PDFs land in PATH_OUTPUT/_build/latex (default: the repository root)")
    pdf.set_defaults(run=_Runs("cgov.release.handouts"))
    slides = commands.add_parser("slides", help="每章一套可编辑的 PowerPoint 课件 (one editable .pptx deck per "
                                                "chapter; after the HTML build: make slides)",
                                 description="Write _build/slides/<chapter>.pptx from the chapter sources, the "
                                             "built figures and _build/results, and copy them to the site.")
    slides.add_argument("chapters", nargs="*", help="only chapters whose name contains one of these (e.g. 02)")
    slides.set_defaults(run=_Runs("cgov.release.slides"))
    dist = commands.add_parser("dist", help="构建并打包发布文件到 dist/ (build and pack the release)",
                               description="A clean strict build, packed as dist/cgov-<version>-site.zip with "
                                           "the PDF handouts if made, and SHA256SUMS.")
    dist.set_defaults(run=_Runs("cgov.release.dist"))
    diff = commands.add_parser("diff", help="两次构建之间改变了哪些已发布的数字 (which published numbers changed)",
                               description="Compare two results folders (_build/results); exit status 1 when a "
                                           "number changed, 2 when a folder is missing.")
    diff.add_argument("old", type=Path, help="the earlier build's results folder")
    diff.add_argument("new", type=Path, help="the later build's results folder")
    diff.set_defaults(run=_Runs("cgov.release.diff"))
    bench = commands.add_parser("bench", help="网站的页面大小、Lighthouse 分数与构建时间 (page weight, "
                                              "Lighthouse scores, build times)",
                                description="Build a copy of the book, then measure every page in Chromium.")
    bench.add_argument("--site", type=Path, default=None,
                       help="measure this built site (e.g. _build/html) instead of building a copy of the book")
    bench.add_argument("--runs", type=_positive, default=3, help="Lighthouse runs (scores vary from run to run)")
    bench.set_defaults(run=_Runs("cgov.release.bench"))
    bench_report = commands.add_parser(
        "bench-report", help="cgov report 在 10 万名受访者上的时间与内存 (time and memory of cgov report on "
                             "100 000 respondents)")
    bench_report.set_defaults(run=_Runs("cgov.report.bench", "main", lambda main, args: main()))


def _positive(text: str) -> int:
    """A whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"“{text}” 不是正整数 (not a positive integer)")
    return int(text)


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``cgov`` with every command."""
    top = argparse.ArgumentParser(prog="cgov", description="《基层党建引领社区治理》的命令行工具 "
                                                           "(the command line of the book and its tools)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_commands(commands)
    top.commands = commands.choices  # name -> parser of each command (for the tests)
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args, rest = top.parse_known_args(argv)
    if rest and not getattr(args, "passes_on", False):
        top.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    warnings.simplefilter("ignore")  # model convergence chatter; problems are reported in the output
    try:
        return args.run(args)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ReleaseError as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"无法读写文件或运行程序 (cannot read, write or run){where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"命令失败 (command failed, exit status {exc.returncode}): {' '.join(map(str, exc.cmd))}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
