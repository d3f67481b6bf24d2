"""`firstcall extract FILE [FILE...]`: one JSON object per file, on its own line (see docs/documents.md).

Exit status 0 when every file was read, 2 when any could not be (its line is `{"file", "error", "code"}`).
Runs without Django or a database: the engine alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from firstcall.documents.engine import DocumentError, Limits, read_file


def main(argv: list[str], stdout=sys.stdout, stderr=sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog="firstcall extract", description="Classify and extract borrower documents."
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--password", help="password for protected PDFs")
    parser.add_argument("--borrower", action="append", default=[], help="borrower's name, for the name check")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, help="date for the document-age check (YYYY-MM-DD)"
    )
    parser.add_argument("--page-limit", type=int, default=Limits().page_limit)
    arguments = parser.parse_args(argv)
    status = 0
    for path in arguments.files:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            result = read_file(
                data,
                password=arguments.password,
                limits=Limits(page_limit=arguments.page_limit),
                borrower_names=tuple(arguments.borrower),
                as_of=arguments.as_of,
            )
            line = result.as_json(path)
        except DocumentError as error:
            status = 2
            line = {"file": path, "error": str(error), "code": error.code}
        except OSError as error:
            status = 2
            line = {
                "file": path,
                "error": f"Cannot open the file: {error.strerror or error}",
                "code": "unreadable",
            }
        stdout.write(json.dumps(line) + "\n")
        stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
