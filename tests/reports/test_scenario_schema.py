"""scenarios/schema.json (issue 16): every shipped scenario file names it and passes it; what the
parser refuses, the schema refuses too; what the schema accepts, the parser runs."""
import copy
import json
import os
import pathlib
import subprocess

import pytest

try:
    import jsonschema
except ImportError:  # a test that skips cannot fail: a missing validator is a failure
    jsonschema = None

DITA = os.environ["DITA_CLI"]
SCENARIOS = pathlib.Path(os.environ["DITA_SOURCE_DIR"]) / "scenarios"
SCHEMA = json.loads((SCENARIOS / "schema.json").read_text())


def validator():
    assert jsonschema is not None, "python3-jsonschema is not installed (scripts/setup.sh installs it)"
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    return jsonschema.Draft7Validator(SCHEMA)


def schema_accepts(document):
    return not list(validator().iter_errors(document))


def parser_accepts(tmp_path, document):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(document))
    result = subprocess.run([DITA, "chaos", "--scenario-file", str(path), "--no-replay", "--no-progress"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1, 2), result.stderr
    return result.returncode != 2


def test_every_shipped_scenario_names_the_schema_and_passes_it():
    files = sorted(p for p in SCENARIOS.glob("*.json") if p.name != "schema.json")
    assert len(files) >= 19
    for path in files:
        document = json.loads(path.read_text())
        assert document.get("$schema") == "schema.json", path
        errors = list(validator().iter_errors(document))
        assert not errors, f"{path.name}: {errors[0].message}"


FULL = {
    "$schema": "schema.json", "name": "every_field", "description": "d", "slot_id": 1, "at_rest": True,
    "venue": {"reject_entries": False, "reject_exits": False, "partial_fill_ratio": 0.5, "cancel_reject": False,
              "taker_fee_rate": 0.0005, "maker_fee_rate": 0.0002, "lot_step": 0.001, "tick_size": 0.1,
              "min_qty": 0.001, "assets": ["BTCUSDT"], "seed": 3, "finished_orders_retained_max": 100,
              "latency_ns": 1000, "duplicate_probability": 0.1, "reorder_probability": 0.1, "drop_probability": 0,
              "delay_probability": 0.1, "delay_ns_max": 5000, "submit_unknown_probability": 0,
              "cancel_unknown_probability": 0, "random_reject_probability": 0,
              "random_cancel_reject_probability": 0, "late_fill_on_cancel_probability": 0,
              "overfill_probability": 0, "short_fill_probability": 0, "random_partial_fills": False,
              "initial_foreign_position": 0, "initial_foreign_position_price": 0, "reduce_only_exits": True},
    "steps": [{"action": "ENTER", "delay_before": 0.5, "side": "LONG", "target_size": 0.02, "reference_price": 101,
               "leverage": 2, "exit_leg_ratios": [0.5, 0.5], "reason": "r", "metadata": {"k": "v", "n": 1},
               "slot_id": 0},
              {"action": "EXIT"}, {"action": "WAIT"}, {"action": "RECONCILE"}, {"action": "RESTART"}],
}


def mutate(path, value):
    document = copy.deepcopy(FULL)
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


DELETE = object()

# Each a document the parser refuses (exit 2, nothing runs); the schema must refuse it too.
REFUSED = {
    "unknown top-level key": mutate(["colour"], "red"),
    "no name": mutate(["name"], DELETE),
    "empty name": mutate(["name"], ""),
    "name too long": mutate(["name"], "n" * 101),
    "name with a control character": mutate(["name"], "a\tb"),
    "no steps": mutate(["steps"], DELETE),
    "empty steps": mutate(["steps"], []),
    "slot 2": mutate(["slot_id"], 2),
    "at_rest not a boolean": mutate(["at_rest"], "yes"),
    "description too long": mutate(["description"], "d" * 1001),
    "$schema not a string": mutate(["$schema"], 7),
    "unknown action": mutate(["steps", 0, "action"], "JUMP"),
    "action missing": mutate(["steps", 0, "action"], DELETE),
    "unknown step key": mutate(["steps", 0, "size"], 1),
    "negative delay": mutate(["steps", 0, "delay_before"], -1),
    "delay over a day": mutate(["steps", 0, "delay_before"], 86401),
    "unknown side": mutate(["steps", 0, "side"], "long"),
    "size as text": mutate(["steps", 0, "target_size"], "0.01"),
    "legs not numbers": mutate(["steps", 0, "exit_leg_ratios"], ["half"]),
    "metadata nested": mutate(["steps", 0, "metadata"], {"k": {"x": 1}}),
    "step slot 5": mutate(["steps", 0, "slot_id"], 5),
    "unknown venue key": mutate(["venue", "speed"], 1),
    "probability above 1": mutate(["venue", "duplicate_probability"], 1.5),
    "fill ratio below 0": mutate(["venue", "partial_fill_ratio"], -0.1),
    "lot step 0": mutate(["venue", "lot_step"], 0),
    "negative latency": mutate(["venue", "latency_ns"], -1),
    "no assets": mutate(["venue", "assets"], []),
    "asset name too long": mutate(["venue", "assets"], ["A" * 24]),
    "retained 0": mutate(["venue", "finished_orders_retained_max"], 0),
    "foreign position too big": mutate(["venue", "initial_foreign_position"], 2e6),
    "list wrapper with a stray key": {"scenarios": [FULL], "extra": 1},
    "empty list": {"scenarios": []},
    "not an object": [FULL],
}


def test_the_full_document_is_accepted_by_both(tmp_path):
    assert schema_accepts(FULL)
    assert parser_accepts(tmp_path, FULL)
    assert schema_accepts({"$schema": "schema.json", "scenarios": [FULL, {**FULL, "name": "other"}]})


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_the_parser_refuses_the_schema_refuses(tmp_path, case):
    document = REFUSED[case]
    assert not parser_accepts(tmp_path, document), f"the parser accepts: {case}"
    assert not schema_accepts(document), f"the schema accepts what the parser refuses: {case}"
