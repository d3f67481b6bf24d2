"""Versioned eligibility rule data (JSON, one file per program) and the 2026 county loan limit table.

Every rule carries `effective_from`, `effective_to` (inclusive, null = open) and a `source` URL. The engine
in `firstcall.eligibility.engine` picks the version in force on a scenario's `as_of` date. Change a rule by
adding a new dated version and bumping `rule_set_version` in `ruleset.json`; never edit history in place.
"""
