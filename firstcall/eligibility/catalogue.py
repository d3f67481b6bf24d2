"""The rule catalogue: every rule version with its citation, effective period and when it was last checked.

Built from the rule files themselves, so the workspace page and docs/assessment.md cannot drift from what the
engine applies. Regenerate the document after changing a rule:

    python -m firstcall.eligibility.catalogue --write
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from firstcall.eligibility.engine.rulebook import Rule, rule_book

PROGRAM_TITLES = {
    "conventional": "Conventional (Fannie Mae / Freddie Mac)",
    "fha": "FHA (HUD)",
    "va": "VA",
    "usda": "USDA Single Family Housing Guaranteed",
    "jumbo": "Jumbo (lender policy)",
}
DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "assessment.md"


@dataclass(frozen=True)
class CatalogueEntry:
    program: str
    rule: Rule

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def period(self) -> str:
        end = self.rule.effective_to.isoformat() if self.rule.effective_to else "open"
        return f"{self.rule.effective_from.isoformat()} to {end}"

    def in_force_on(self, day: date) -> bool:
        return self.rule.in_force_on(day)

    @property
    def citation(self) -> dict[str, str]:
        return dict(self.rule.citation)

    @property
    def checked(self) -> str:
        return (
            self.rule.checked.isoformat()
            if self.rule.checked
            else "not yet checked against the primary source"
        )


def catalogue() -> list[CatalogueEntry]:
    book = rule_book()
    entries = []
    for program in book.programs:
        for rule_id in sorted(rule for rule in book.rules_by_id if rule.startswith(program + ".")):
            for rule in book.versions(rule_id):
                entries.append(CatalogueEntry(program, rule))
    return entries


def by_program() -> list[tuple[str, str, list[CatalogueEntry]]]:
    entries = catalogue()
    return [
        (program, PROGRAM_TITLES[program], [entry for entry in entries if entry.program == program])
        for program in rule_book().programs
    ]


INTRODUCTION = """\
# Assessment

`firstcall assess SCENARIO.json` (or `-` for standard input) and `POST /api/v1/assessments` run the same
engine: a scenario in, one result per program (conventional, FHA, VA, USDA, jumbo) out, each `eligible`,
`ineligible` or `refer`, with the checks that decided it. Every check names its rule, its outcome (`pass`, `fail`,
`refer`), the message, the source URL and the citation (document, section and dated version) of the rule.

## Dates

`as_of` is the application date. It chooses the version of every rule below (a rule applies from its
`effective_from` to its `effective_to`, both inclusive) and the county loan limit table of that year
(see [loan-limits.md](loan-limits.md)). Each program's `limit_table` names the table and year it used.

## Bad input and missing facts

A value that is wrong, rather than missing, is refused and nothing is assessed: `firstcall assess` exits 2 and the
API answers HTTP 422, both with

```json
{"error": "invalid scenario", "fields": {"purchase_price": "purchase_price must be more than zero (got '-5')"}}
```

naming every refused field: unknown values of `purpose`, `occupancy`, `property_type`, `manufactured_home_width`,
`programs` or an event `type`; zero or negative amounts where a positive one is needed (price, value, loan,
income) and negative ones elsewhere; a down payment not below the price; a loan and down payment that do not make
the price; monthly debts not below monthly income; a credit score outside 300-850; a bankruptcy, foreclosure,
short sale or deed-in-lieu dated after the application (`derogatory_events[0].date`); an unknown state, county
FIPS or ZIP, or ones that contradict each other.

A fact that is missing never fails the request: the programs that need it are `refer`, their checks say which
fact, and `missing_facts` lists them all. Optional facts the guides ask about:

- `derogatory_events[i].extenuating_circumstances` (true/false): whether the lender has documented extenuating
  circumstances for the event. Not stated counts as not documented: the standard waiting period applies, and the
  check says from when documented circumstances would allow the loan.
- `manufactured_home_width` (`single_width` or `multi_width`): a manufactured second home must be multi-width.

## What would make it work

Each `ineligible` or `refer` program carries `what_would_make_it_work`: the smallest single change (a lower
price, a larger down payment, paying other debts down, waiting until a date, ...) that the engine itself,
re-run with that change, finds makes the program eligible, or failing that no longer ineligible. Only changes
confirmed by that second run are listed.

## Rules

This list is generated from `firstcall/eligibility/rules/` (`python -m firstcall.eligibility.catalogue --write`);
a test fails when it differs from the rules. Signed-in users see the same catalogue in the workspace at
`/rules/`. "Last checked" is the date the rule was last compared with the wording of its primary source.
"""


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def render_markdown() -> str:
    book = rule_book()
    lines = [INTRODUCTION, f"Rule set version **{book.version}**.", ""]
    for _program, title, entries in by_program():
        lines += [
            f"### {title}",
            "",
            "| rule | in force | citation | last checked |",
            "| --- | --- | --- | --- |",
        ]
        for entry in entries:
            citation = entry.citation
            lines.append(
                f"| `{entry.id}` | {entry.period} | {_cell(citation['document'])}, {_cell(citation['section'])} "
                f"({_cell(citation['version'])}) | {entry.checked} |"
            )
        lines.append("")
        for entry in entries:
            if not (entry.rule.quote or entry.rule.note):
                continue
            lines.append(f"- `{entry.id}` ({entry.period}), [source]({entry.rule.source}):")
            if entry.rule.quote:
                lines.append(f"  the guide: {entry.rule.quote}")
            if entry.rule.note:
                lines.append(f"  FirstCall: {entry.rule.note}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render_markdown()
    if "--write" in argv:
        DOCUMENT_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT_PATH}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
