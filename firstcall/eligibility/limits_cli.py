"""`firstcall limits ...`: load the agencies' county loan limit files. No database needed.

    firstcall limits import-hud FILE [--year YYYY]    HUD's FHA forward limits (cyYYYY-forward-limits.txt)
    firstcall limits import-fhfa FILE [--year YYYY]   FHFA's conforming limits (FullCountyLoanLimitList2026.txt)
    firstcall limits list                             the tables imported, with their years

Exit 0 after printing what changed (or "no changes"); exit 2 with the problems when the file is unreadable or
malformed, in which case nothing is written.
"""

from __future__ import annotations

import json
from typing import IO

from firstcall.eligibility.limits_import import LimitFileError, import_table, list_tables

USAGE = "usage: firstcall limits import-hud FILE [--year YYYY] | import-fhfa FILE [--year YYYY] | list"
EXIT_BAD_INPUT = 2


def main(argv: list[str], stdout: IO[str], stderr: IO[str]) -> int:
    arguments = list(argv)
    year = None
    if "--year" in arguments:
        position = arguments.index("--year")
        value = arguments[position + 1] if position + 1 < len(arguments) else ""
        if not (value.isdigit() and len(value) == 4):
            stderr.write(f"--year needs a four-digit year\n{USAGE}\n")
            return EXIT_BAD_INPUT
        year = int(value)
        del arguments[position : position + 2]
    if arguments == ["list"]:
        for table in list_tables():
            stdout.write(json.dumps(table) + "\n")
        return 0
    if len(arguments) != 2 or arguments[0] not in ("import-hud", "import-fhfa"):
        stderr.write(USAGE + "\n")
        return EXIT_BAD_INPUT
    kind = "fha" if arguments[0] == "import-hud" else "conforming"
    try:
        result = import_table(kind, arguments[1], year=year)
    except OSError as error:
        stderr.write(f"cannot read {arguments[1]}: {error.strerror or error}\n")
        return EXIT_BAD_INPUT
    except UnicodeDecodeError:
        stderr.write(f"{arguments[1]} is not a text file\n")
        return EXIT_BAD_INPUT
    except LimitFileError as error:
        stderr.write(f"{arguments[1]} was not imported; nothing changed:\n")
        for problem in error.problems[:20]:
            stderr.write(f"  {problem}\n")
        if len(error.problems) > 20:
            stderr.write(f"  ... and {len(error.problems) - 20} more\n")
        return EXIT_BAD_INPUT
    for line in result.lines():
        stdout.write(line + "\n")
    return 0
