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
    assert output == {"error": "invalid scenario", "fields": {"(body)": "the scenario must be a JSON object"}}


def test_unknown_program_exits_2():
    code, output = run(["-"], json.dumps(make_scenario(programs=["heloc"])))

    assert code == 2
    assert "heloc" in output["fields"]["programs"]


def test_unknown_purpose_and_negative_price_exit_2_and_assess_nothing():
    code, output = run(["-"], json.dumps(make_scenario(purpose="refinance_please", purchase_price=-400000)))

    assert code == 2
    assert output["error"] == "invalid scenario"
    assert set(output["fields"]) == {"purpose", "purchase_price"}
    assert "programs" not in output


def test_future_bankruptcy_exits_2_naming_the_event_date():
    scenario = make_scenario(derogatory_events=[{"type": "chapter_7_bankruptcy", "date": "2026-03-03"}])

    code, output = run(["-"], json.dumps(scenario))

    assert code == 2
    assert "derogatory_events[0].date" in output["fields"]


def test_missing_optional_facts_exit_0_refer_and_list_them():
    code, output = run(["-"], json.dumps(make_scenario(reserves_months=None, first_time_buyer=None)))

    assert code == 0
    assert {"reserves_months", "first_time_buyer"} <= set(output["missing_facts"])


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


def test_cli_output_says_what_would_make_each_program_work():
    code, output = run(["-"], json.dumps(make_scenario(programs=["fha"], down_payment="5000")))

    assert code == 0
    assert output["programs"][0]["what_would_make_it_work"][0]["change"] == {"down_payment": "14000.00"}
