"""`auditor policy show`: every rule with its effective severity and state, expired allowlist."""

from __future__ import annotations

import json

from click.testing import CliRunner

from auditor.cli import main


def write_policy(tmp_path, body: str):
    p = tmp_path / "policy.toml"
    p.write_text(body, encoding="utf-8")
    return p


POLICY = """
[rules.SM204]
enabled = false
[rules.SM201]
severity = "medium"
[rules.SM999]
severity = "low"

[[allow]]
rule = "SM203"
text = "Vote Yes"
reason = "referendum unit"
expires = 2020-01-31

[[allow]]
rule = "SM206"
account = "x:MsT"
reason = "retirement post"
expires = 2999-01-01
"""


def test_json_lists_every_rule_with_effective_severity_and_state(tmp_path):
    p = write_policy(tmp_path, POLICY)
    res = CliRunner().invoke(main, ["policy", "show", "--policy", str(p), "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    rules = {r["id"]: r for r in report["rules"]}
    for rid in ("SM101", "SM102", "SM201", "SM205", "SM208", "SM401", "SM402"):
        assert rid in rules
    assert rules["SM204"]["enabled"] is False and rules["SM203"]["enabled"] is True
    assert rules["SM201"]["severity"] == "medium" and rules["SM201"]["default_severity"] == "high"
    assert rules["SM205"]["clause"].startswith("§3") and rules["SM101"]["category"] == "student-follow"
    assert {"id", "name", "category", "severity", "confidence", "clause", "enabled"} <= set(rules["SM202"])
    assert report["unknown_rules"] == ["SM999"]
    assert [a["rule"] for a in report["allow"]["expired"]] == ["SM203"]
    assert [a["rule"] for a in report["allow"]["active"]] == ["SM206"]


def test_text_output(tmp_path):
    p = write_policy(tmp_path, POLICY)
    res = CliRunner().invoke(main, ["policy", "show", "--policy", str(p)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    sm204 = next(line for line in lines if line.startswith("SM204 religious"))
    assert " off " in sm204
    sm201 = next(line for line in lines if line.startswith("SM201 substances"))
    assert "medium*" in sm201
    assert "EXPIRED 2020-01-31  SM203 (text=Vote Yes): referendum unit" in res.output
    assert "Allowlist: 1 active, 1 expired" in res.output
    assert "SM999" in res.output


def test_default_policy_file_of_the_repository_is_valid():
    res = CliRunner().invoke(main, ["policy", "show", "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["policy"].endswith("policy.toml") and report["allow"]["expired"] == []


def test_bad_policy_exits_2_naming_the_problem(tmp_path):
    p = write_policy(tmp_path, '[[allow]]\nrule = "SM201"\nexpires = 2030-01-01\n')
    res = CliRunner().invoke(main, ["policy", "show", "--policy", str(p)])
    assert res.exit_code == 2 and "allow[0].reason" in res.output
    p = write_policy(tmp_path, '[lexicons.politics.party]\nweak = ["x"]\n')
    res = CliRunner().invoke(main, ["policy", "show", "--policy", str(p)])
    assert res.exit_code == 2 and "lexicons.politics" in res.output


def test_explain_names_matches_and_vetoes(tmp_path):
    res = CliRunner().invoke(main, ["policy", "explain", "Gr. 9 health: the risks of vaping. Time for a beer 🍺"])
    assert res.exit_code == 0, res.output
    assert "SM201 substances: does not fire" in res.output and "vetoed by: health" in res.output
    res = CliRunner().invoke(main, ["policy", "explain", "--format", "json", "Vote Alex Martin for trustee!"])
    [why] = json.loads(res.output)
    assert why["rule"] == "SM203 political" and why["fired"] is True


def test_explain_uses_the_policy_lexicon_additions(tmp_path):
    p = write_policy(tmp_path, '[lexicons.political.campaign]\nstrong = ["Team Rivera"]\n')
    res = CliRunner().invoke(main, ["policy", "explain", "--policy", str(p), "Go Team Rivera!"])
    assert "SM203 political: FIRES" in res.output
    res = CliRunner().invoke(main, ["policy", "explain", "Go Team Rivera!"])
    assert "No lexicon entry" in res.output
