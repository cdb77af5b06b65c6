"""A project kind is data: the shipped one loads; a broken one is refused with every problem and where it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from domain.forms import FieldType
from domain.projects import kind
from domain.projects.kind import KindError, load_kind

SHIPPED = kind.KINDS / "party_building"


def test_the_party_building_kind_has_the_seeds_blocks_stages_and_panel() -> None:
    k = kind.get("party_building")
    assert [b.label.zh for b in k.blocks] == ["党员素质提高工程", "促进城乡统筹发展惠民工程", "基层民主建设深化和拓展工程",
                                              "社区非公党建破难工程", "示范板块（示范片、示范带）"]  # fmt: skip
    assert k.per_unit == 2 and k.deadline_in(2026).isoformat() == "2026-04-15"
    assert [s.label.zh for s in k.acceptance_stages] == ["前期验收", "中期验收", "后期验收"]
    assert k.acceptance_stage("final").requires == "implementation"
    assert [c.label.zh for c in k.panel.criteria] == ["可行性", "针对热点难点问题", "实施单位的积极性", "创新性", "预期成效"]
    plan = k.form("plan")
    systems = ["goal_system", "guarantee_system", "assessment_system", "support_system", "benefit_system"]
    assert all(plan.field(name).required for name in systems)
    assert plan.field("nodes").type is FieldType.REPEAT
    assert [o.value for o in plan.options(plan.field("block"))] == [b.name for b in k.blocks]
    assert k.stages["report"].every == "quarter" and k.stages["report"].remind_days == (7, 1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "party_building"
    shutil.copytree(SHIPPED, target)
    return target


def edit(folder: Path, change) -> None:
    path = folder / "kind.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def problems(folder: Path) -> dict[str, str]:
    with pytest.raises(KindError) as raised:
        load_kind(folder)
    return {issue.where: issue.zh for issue in raised.value.issues}


def test_every_problem_is_reported_at_once_with_where_it_is(folder: Path) -> None:
    def break_it(doc):
        doc["panel"]["criteria"][1]["weight"] = -5
        doc["call"]["plan_deadline"] = "04-31"
        doc["stages"]["report"]["form"] = "missing.yaml"
        doc["blocks"].append({"name": "member_quality", "label": "重复"})
        doc["acceptance"]["stages"][2]["requires"] = "nothing"
        doc["rewards"] = [{"name": "major", "label": "重奖"}]
        del doc["stages"]["rectification"]

    edit(folder, break_it)
    found = problems(folder)
    assert found["kind.yaml: panel.criteria[2].weight"] == "应为正数"
    assert "月-日" in found["kind.yaml: call.plan_deadline"]
    assert "missing.yaml" in found["kind.yaml: stages.report.form"]
    assert "重复" in found["kind.yaml: blocks[6].name"]
    assert "nothing" in found["kind.yaml: acceptance.stages[3].requires"]
    assert "none" in found["kind.yaml: rewards"]
    assert "rectification" in found["kind.yaml: stages"]


def test_a_plan_form_without_what_the_domain_reads_is_refused(folder: Path) -> None:
    plan = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    plan["fields"] = [f for f in plan["fields"] if f["name"] != "budget"]
    plan["fields"][-1]["fields"] = [f for f in plan["fields"][-1]["fields"] if f["name"] != "owner"]
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    found = problems(folder)
    assert "budget" in found["plan.yaml: budget"] and "owner" in found["plan.yaml: nodes.owner"]


def test_a_broken_form_reports_its_own_issue_under_its_file(folder: Path) -> None:
    text = (folder / "report.yaml").read_text(encoding="utf-8").replace("type: long_text, required: true, label: {zh: 阶段性成效",
                                                                         "type: essay, required: true, label: {zh: 阶段性成效")  # fmt: skip
    (folder / "report.yaml").write_text(text, encoding="utf-8")
    found = problems(folder)
    assert any(where.startswith("report.yaml: fields row 1") and "essay" in zh for where, zh in found.items())


def test_a_kind_that_is_not_a_mapping_or_has_the_wrong_id(folder: Path) -> None:
    edit(folder, lambda doc: doc.update(id="other_kind"))
    assert "other_kind" in problems(folder)["kind.yaml: id"]
    (folder / "kind.yaml").write_text("- just a list\n", encoding="utf-8")
    assert "映射" in problems(folder)["kind.yaml"]
