"""The `firstcall` command: demo, serve, worker, assess, limits, gate, optout-check, extract, and every Django
management command."""

import os
import sys

HYPHENATED_COMMANDS = {"rotate-keys": "rotate_keys"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firstcall.settings")
    if len(argv) > 1 and argv[1] == "assess":
        # The assessment engine needs no database: answer without starting Django.
        from firstcall.eligibility.cli import main as assess_main

        return assess_main(argv[2:], sys.stdin, sys.stdout)
    if len(argv) > 1 and argv[1] == "limits":
        from firstcall.eligibility.limits_cli import main as limits_main

        return limits_main(argv[2:], sys.stdout, sys.stderr)
    if len(argv) > 1 and argv[1] == "classify-reply":
        # Reading a reply needs no database either: the engine and the revocation rules are pure.
        from firstcall.assistant.cli import main as classify_main
        from firstcall.assistant.revocation import revocation_of

        return classify_main(argv[2:], sys.stdin, sys.stdout, revocation_of)
    if len(argv) > 1 and argv[1] == "extract":
        # Reading documents needs no database either.
        from firstcall.documents.cli import main as extract_main

        return extract_main(argv[2:], sys.stdout)
    if len(argv) > 1 and argv[1] in ("gate", "optout-check"):
        # Compliance decisions are pure too: no Django, no database.
        from firstcall.compliance.cli import gate_main, optout_main

        command = gate_main if argv[1] == "gate" else optout_main
        return command(argv[2:], sys.stdin, sys.stdout)
    if len(argv) > 1 and argv[1] == "draft-reply":
        argv[1] = "draft_reply"
    from django.core.management import execute_from_command_line

    if len(argv) == 1:
        argv.append("help")
    # Commands spelled with a hyphen on the command line (firstcall rotate-keys) are Python modules with "_".
    argv[1] = HYPHENATED_COMMANDS.get(argv[1], argv[1])
    execute_from_command_line(["firstcall", *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
