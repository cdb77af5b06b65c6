"""Spot checks on site (现场检查): pick a branch in scope, pick the kind, fill the form, submit.

Kinds: 定期检查 (regular), 不定期抽查 (random), 明察暗访 (covert), 回头看 (revisit). When a check
starts, the branch's secretaries and the committee groups above it are told, except for 明察暗访,
which nobody learns of until the inspector submits. On submission every failing finding becomes a
problem item of the branch with the clause, its severity and a due date that many working days
away (``config.days_for``); a finding on an item closed before reopens it as a regression (反弹);
an item already on the list is not listed twice. A finding that contradicts the branch's latest
self-assessment (it said 达标, the inspector found 未达标) is flagged 自评虚高 and counted.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling.purposes import PURPOSES, Finishing, NotCurrent, Told
from domain.forms import FormDefinition
from domain.kernel import audit, holidays, outbox, workdays
from domain.kernel.outbox import Button, Notice
from domain.org import permissions, recipients
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.org.units import within
from domain.problems import config, lifecycle, spotcheck
from storage.models import (
    Inspection,
    InspectionKind,
    Person,
    ProblemItem,
    ProblemStatus,
    Severity,
    Submission,
    SubmissionStatus,
    Unit,
    UnitType,
)

CHECKLIST = "standardisation"  # the branch's own checklist (目标任务书)
CHECKLIST_START = "self"  # the self-assessment that fills it, in the purpose registry
MATCHES = 12  # branches offered as buttons at once


async def find_branches(session: AsyncSession, actor: Actor, query: str) -> tuple[list[Unit], int]:
    """Branches in the actor's inspection scope whose name or code contains ``query`` (all when empty):
    the first few, by code, and how many matched."""
    scopes = permissions.scope_paths(actor, Action.inspect_unit)
    if not scopes:
        return [], 0
    where = [within(scopes), Unit.type == UnitType.branch]
    text = query.strip()[:40]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        where.append(Unit.name.like(like) | Unit.code.ilike(like))
    total = await session.scalar(select(func.count()).select_from(Unit).where(*where)) or 0
    units = (await session.scalars(select(Unit).where(*where).order_by(Unit.code).limit(MATCHES))).all()
    return list(units), total


async def revisit_targets(session: AsyncSession, unit: Unit) -> list[str]:
    """The branch's closed items whose revisit (回头看) has not been done."""
    rows = await session.scalars(
        select(ProblemItem.item).where(ProblemItem.unit_id == unit.id, ProblemItem.status == ProblemStatus.closed,
                                       ProblemItem.revisited_at.is_(None))  # fmt: skip
    )
    return sorted(set(rows))


async def start(session: AsyncSession, *, actor: Actor, unit: Unit, kind: InspectionKind, at: datetime,
                update_id: int | None, draw_id: int | None = None) -> Inspection:  # fmt: skip
    """Begin a spot check (the caller checked inspect_unit on ``unit``); tell the branch unless covert."""
    targets = await revisit_targets(session, unit) if kind is InspectionKind.revisit else []
    row = Inspection(unit_id=unit.id, inspector_id=actor.person_id, kind=kind, started_at=at, targets=targets,
                     draw_id=draw_id, inflated=0)  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id, action="inspection.started",
                       subject_type="inspection", subject_id=row.id,
                       after={"unit": unit.code, "kind": kind.value, "targets": targets}, update_id=update_id)  # fmt: skip
    if kind is not InspectionKind.covert:
        await _tell(session, row, unit, "started", {"inspector": actor.name}, at)
    return row


async def _checklist(session: AsyncSession, version: str | None) -> FormDefinition:
    """The branch's own checklist (the version given, or the current one), as the self-assessment's
    purpose keeps it: asked of the registry, so inspections stand beside standardisation, not on it."""
    self_assessment, form_id = PURPOSES.starter(CHECKLIST_START)
    return await self_assessment.definition(session, form_id, None, version)


async def definition(session: AsyncSession, _form_id: str, subject_id: int | None,
                     version: str | None) -> FormDefinition:  # fmt: skip
    inspection = await session.get_one(Inspection, subject_id)
    checklist = await _checklist(session, version)
    return spotcheck.definition(checklist, inspection.targets)


async def _self_assessed(session: AsyncSession, unit_id: int) -> dict[str, str]:
    """Item → outcome in the branch's latest self-assessment (submitted, returned or passed)."""
    latest = await session.scalar(
        select(Submission).where(Submission.unit_id == unit_id, Submission.form_id == CHECKLIST,
                                 Submission.status != SubmissionStatus.draft, Submission.submitted_at.is_not(None))
        .order_by(Submission.submitted_at.desc(), Submission.id.desc()).limit(1)
    )  # fmt: skip
    items = (latest.score or {}).get("items", []) if latest else []
    return {i["name"]: i["outcome"] for i in items if isinstance(i, dict) and "name" in i}


async def finish(f: Finishing) -> Told:
    """Record the findings; raise, reopen or leave the problem items; tell the branch and the committee."""
    inspection = await f.session.get_one(Inspection, f.form.subject_id)
    if inspection.submitted_at is not None or inspection.inspector_id != f.actor.person_id:
        raise NotCurrent(f"inspection {inspection.id}")
    checklist = await _checklist(f.session, f.definition.version)
    await holidays.refresh(f.session)  # due dates count the working days of the arrangements loaded
    found = spotcheck.findings(checklist, f.answers)
    self_assessed = await _self_assessed(f.session, f.unit.id)
    existing = {}
    for item in (await f.session.scalars(select(ProblemItem).where(ProblemItem.unit_id == f.unit.id)
                                         .order_by(ProblemItem.id))).all():  # fmt: skip
        existing[item.item] = item  # the newest item per checklist item
    kept: list[dict[str, Any]] = []
    for finding in found:
        record = {**asdict(finding), "inflated": finding.outcome == "fail" and self_assessed.get(finding.item) == "passed"}
        earlier = existing.get(finding.item)
        if finding.outcome == "fail":
            record.update(await _problem(f, inspection, finding, earlier))
        elif finding.outcome == "pass" and earlier is not None and earlier.status is ProblemStatus.closed \
                and earlier.revisited_at is None:  # fmt: skip
            await _revisited(f, earlier)
            record.update({"problem": earlier.id, "action": "revisited"})
        kept.append(record)
    inspection.submitted_at, inspection.findings = f.at, kept
    inspection.location = f.answers.get("location")
    inspection.summary = f.answers.get("summary")
    inspection.inflated = sum(1 for r in kept if r["inflated"])
    await f.session.flush()
    await audit.record(f.session, at=f.at, actor_id=f.actor.person_id, action="inspection.submitted",
                       subject_type="inspection", subject_id=inspection.id,
                       after={"findings": len(kept), "failing": sum(r["outcome"] == "fail" for r in kept),
                              "inflated": inspection.inflated, "location": inspection.location},
                       update_id=f.update_id)  # fmt: skip
    values = await result_values(f.session, inspection, f.unit)
    await _tell(f.session, inspection, f.unit, "submitted", values, f.at)
    return Told("inspection_done", values, notified=True)


async def _problem(f: Finishing, inspection: Inspection, finding: spotcheck.Finding,
                   earlier: ProblemItem | None) -> dict[str, Any]:  # fmt: skip
    severity = Severity(finding.severity or Severity.general.value)
    due_on = workdays.add_working_days(f.today, await config.days_for(f.session, severity))
    if earlier is not None and earlier.status in lifecycle.ACTIVE:
        return {"problem": earlier.id, "action": "listed"}
    if earlier is not None and earlier.status is ProblemStatus.closed:
        await lifecycle.reopen(f.session, item=earlier, unit=f.unit, actor=f.actor, due_on=due_on,
                               reason=finding.note or finding.clause, severity=severity, at=f.at,
                               update_id=f.update_id)  # fmt: skip
        return {"problem": earlier.id, "action": "reopened", "due_on": due_on.isoformat()}
    source = "revisit" if inspection.kind is InspectionKind.revisit else "inspection"
    row = await lifecycle.raise_item(f.session, unit=f.unit, source_type=source, source_id=inspection.id,
                                     item=finding.item, category=finding.category, clause=finding.clause,
                                     reason=finding.note, severity=severity, due_on=due_on,
                                     actor_id=f.actor.person_id, at=f.at, update_id=f.update_id)  # fmt: skip
    return {"problem": row.id, "action": "raised", "due_on": due_on.isoformat()}


async def _revisited(f: Finishing, item: ProblemItem) -> None:
    """A revisit found a closed item still put right: its revisit is done (no change of state)."""
    item.revisited_at = f.at
    await f.session.flush()
    await audit.record(f.session, at=f.at, actor_id=f.actor.person_id, action="problem.revisited",
                       subject_type="problem", subject_id=item.id, before={"status": item.status.value},
                       after={"status": item.status.value, "revisited_at": f.at.isoformat()},
                       update_id=f.update_id)  # fmt: skip


async def result_values(session: AsyncSession, inspection: Inspection, unit: Unit) -> dict[str, Any]:
    findings = inspection.findings or []
    inspector = await session.get(Person, inspection.inspector_id)
    problems = [{"id": r["problem"], "clause": r["clause"], "severity": r.get("severity") or "general",
                 "due_on": date.fromisoformat(r["due_on"]) if r.get("due_on") else None, "action": r.get("action"),
                 "inflated": r["inflated"], "method": r.get("method")}
                for r in findings if r["outcome"] == "fail"]  # fmt: skip
    return {"inspection_id": inspection.id, "kind": inspection.kind.value, "unit_name": unit.name,
            "inspector": inspector.name if inspector else None,
            "passed": sum(r["outcome"] == "pass" for r in findings),
            "failed": len(problems), "unseen": sum(r["outcome"] == "unseen" for r in findings),
            "problems": problems, "inflated": inspection.inflated, "location": inspection.location}  # fmt: skip


async def _tell(session: AsyncSession, inspection: Inspection, unit: Unit, occasion: str, values: dict[str, Any],
                now: datetime) -> None:  # fmt: skip
    """The branch's secretaries and the committee groups above it hear that a check began or its result."""
    subject = f"inspection:{inspection.id}"
    base = {"kind": inspection.kind.value, "unit_name": unit.name, **values}
    rectify = ((Button("problem.btn.rectify", "rx:l:rectify:0"),),) if occasion == "submitted" else ()
    found = [
        Notice(key=f"{subject}:{occasion}:p{p.person_id}", kind=f"inspection.{occasion}", chat_id=p.chat_id,
               person_id=p.person_id, subject=subject, template=f"inspection_{occasion}.html.j2",
               values={**base, "to_branch": True}, not_before=now, buttons=rectify if values.get("failed") else ())
        for p in await recipients.secretaries(session, unit)
    ] + [
        Notice(key=f"{subject}:{occasion}:g{g.id}", kind=f"inspection.{occasion}", chat_id=g.id, subject=subject,
               template=f"inspection_{occasion}.html.j2", values={**base, "to_branch": False}, not_before=now)
        for g in await recipients.groups_above(session, unit)
    ]  # fmt: skip
    await outbox.enqueue(session, found, now=now)


async def source_of(session: AsyncSession, item: ProblemItem) -> dict[str, Any]:
    """Where an item came from, for its card: the inspection's kind, day, inspector and location."""
    if item.source_type not in ("inspection", "revisit"):
        return {"type": item.source_type}
    inspection = await session.get(Inspection, item.source_id)
    if inspection is None:
        return {"type": item.source_type}
    inspector = await session.get(Person, inspection.inspector_id)
    finding = next((r for r in inspection.findings or [] if r.get("item") == item.item), {})
    return {"type": item.source_type, "kind": inspection.kind.value, "at": inspection.submitted_at or inspection.started_at,
            "inspector": inspector.name if inspector else None, "location": inspection.location,
            "inflated": bool(finding.get("inflated")), "method": finding.get("method"),
            "photos": [{"type": "photo", "file_id": ph["file_id"], "size": ph.get("size"), "caption": ph.get("caption")}
                       for ph in finding.get("photos") or [] if isinstance(ph, dict)]}  # fmt: skip
