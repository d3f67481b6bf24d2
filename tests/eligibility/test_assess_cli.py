"""`firstcall assess SCENARIO.json` and `firstcall assess -`: JSON out, exit 0; JSON error, exit 2."""

import io
import json

from eligibility_scenarios import make_scenario

from firstcall.eligibility.cli import main


def run(argv, stdin_text=""):
    stdout = io.StringIO()
    code = main(argv, io.StringIO(stdin_text), stdout)
    return code, json.loads(stdout.getvalue())


def test_assesses_a_scenario_file(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(make_scenario()))

    code, output = run([str(path)])

    assert code == 0
    assert output["as_of"] == "2026-03-02"
    assert len(output["programs"]) == 5


def test_reads_the_scenario_from_stdin_with_a_dash():
    code, output = run(["-"], json.dumps(make_scenario(programs=["fha"])))

    assert code == 0
    assert [entry["program"] for entry in output["programs"]] == ["fha"]


def test_missing_fields_are_not_an_error_they_refer():
    code, output = run(["-"], json.dumps({"as_of": "2026-03-02"}))

    assert code == 0
    assert {entry["status"] for entry in output["programs"]} == {"refer"}


def test_invalid_json_exits_2_with_a_json_error():
    code, output = run(["-"], "{not json")

    assert code == 2
    assert output["error"] == "invalid_json"


def test_unreadable_file_exits_2_with_a_json_error(tmp_path):
    code, output = run([str(tmp_path / "missing.json")])

    assert code == 2
    assert output["error"] == "unreadable_input"


def test_json_that_is_not_an_object_exits_2():
    code, output = run(["-"], "[1, 2, 3]")

    assert code == 2
    assert output["error"] == "invalid_scenario"
    assert output["problems"][0]["field"] == "(body)"


def test_unknown_program_exits_2():
    code, output = run(["-"], json.dumps(make_scenario(programs=["heloc"])))

    assert code == 2
    assert "heloc" in output["message"]


def test_overlays_file_is_applied(tmp_path):
    overlays = tmp_path / "overlays.json"
    overlays.write_text(
        json.dumps([{"name": "Acme", "source": "memo", "programs": {"fha": {"min_credit_score": 800}}}])
    )

    code, output = run(["-", "--overlays", str(overlays)], json.dumps(make_scenario(programs=["fha"])))

    assert code == 0
    assert output["programs"][0]["status"] == "ineligible"


def test_wrong_arguments_exit_2_with_usage():
    code, output = run([])

    assert code == 2
    assert "usage" in output["message"]
