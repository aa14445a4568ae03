"""``cgov`` / ``python -m cgov``: the command line. Each subcommand registers itself here.

Bad input ends with its message on stderr and exit status 1, never with a traceback.
"""
from __future__ import annotations

import argparse
import sys
import warnings

from cgov.errors import DataError
from cgov.report import cli as report_cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cgov", description="《基层党建引领社区治理》的命令行工具")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    report_cli.register(commands)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # model convergence chatter; problems are reported in the output
    try:
        return args.run(args)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"无法读写文件 (cannot read or write) {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
