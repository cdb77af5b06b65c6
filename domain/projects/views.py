"""What people see of projects within their scope: the list, a project's card, the matrix, the ranking.

Views are plain data for templates; nothing here writes. The matrix (矩阵管理图, seed 001) is projects ×
quality nodes, each cell a node's percent with overdue ones marked; it is built with three queries
for any number of projects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import permissions
from domain.org.people import Actor, Grant
from domain.org.permissions import Action
from domain.projects import kind as kinds
from domain.projects import lifecycle, scoring, workflow
from domain.projects.workflow import Status
from storage.models import (
    AuditEntry,
    Person,
    Project,
    ProjectCall,
    ProjectNode,
    ProjectReport,
    Role,
    RoleAssignment,
    StageResult,
    Unit,
)

PAGE = 8


def call_values(call: ProjectCall) -> dict[str, Any]:
    kind = kinds.get(call.kind)
    return {"id": call.id, "title": call.title, "year": call.year, "max_per_unit": call.max_per_unit,
            "deadline_on": call.plan_deadline, "topics": list(call.topics),
            "blocks": [{"zh": kind.block(b).label.zh, "en": kind.block(b).label.en} for b in call.blocks]}  # fmt: skip


def money(yuan: int) -> str:
    return f"{yuan:,}"


async def summary(session: AsyncSession, project: Project) -> tuple[str, str]:
    """The plan in a few lines, for the note at the top of a reviewer's or a member's sheet."""
    unit = await session.get_one(Unit, project.unit_id)
    kind = kinds.get(project.kind)
    block = kind.block(project.block)
    nodes = await lifecycle.nodes_of(session, project.id)
    plan = project.plan
    zh = (f"《{project.title}》· {unit.name}\n板块：{block.label.zh if block else project.block}\n"
          f"选题：{plan.get('problem', '')[:120]}\n责任人：{project.responsible}\n投资概算：{money(project.budget_yuan)} 元\n"
          f"周期：{project.starts_on:%Y-%m-%d} 至 {project.ends_on:%Y-%m-%d}\n预期目标：{plan.get('goals', '')[:120]}\n"
          f"子项 {len(nodes)} 个：" + "；".join(f"{n.seq}. {n.title}（{n.owner}，{n.due_on:%m-%d}）" for n in nodes))  # fmt: skip
    en = (f"“{project.title}” · {unit.name}\nBlock: {block.label.en if block else project.block}\n"
          f"Problem: {plan.get('problem', '')[:120]}\nResponsible: {project.responsible}\nBudget: {money(project.budget_yuan)} yuan\n"
          f"From {project.starts_on:%Y-%m-%d} to {project.ends_on:%Y-%m-%d}\nGoals: {plan.get('goals', '')[:120]}\n"
          f"{len(nodes)} sub-items: " + "; ".join(f"{n.seq}. {n.title} ({n.owner}, {n.due_on:%m-%d})" for n in nodes))  # fmt: skip
    return zh, en


@dataclass(frozen=True)
class Member:
    person_id: int
    name: str
    actor: Actor  # their grants, to ask the permissions table whether they may score a unit


async def panel_members(session: AsyncSession) -> list[Member]:
    """Everyone holding the panel role, with all their roles (their own units matter: 回避)."""
    ids = list(await session.scalars(select(RoleAssignment.person_id).where(RoleAssignment.role == Role.panel).distinct()))
    if not ids:
        return []
    rows = (await session.execute(select(RoleAssignment.person_id, RoleAssignment.role, Unit, Person.name)
                                  .join(Unit, Unit.id == RoleAssignment.unit_id)
                                  .join(Person, Person.id == RoleAssignment.person_id)
                                  .where(RoleAssignment.person_id.in_(ids)).order_by(RoleAssignment.id))).all()  # fmt: skip
    grants: dict[int, list[Grant]] = defaultdict(list)
    names: dict[int, str] = {}
    for person_id, role, unit, name in rows:
        grants[person_id].append(Grant(role, unit.id, unit.code, unit.name, unit.path, unit.type))
        names[person_id] = name
    return [Member(pid, names[pid], Actor(0, pid, names[pid], grants=tuple(grants[pid]))) for pid in sorted(grants)]


async def tallies_of_call(session: AsyncSession, call_id: int) -> list[scoring.Tally]:
    """The selection scores of every plan under review or decided in the call, with who is still to score."""
    projects = list(await session.scalars(select(Project).where(Project.call_id == call_id, Project.status.in_(
        [Status.under_review.value, Status.selected.value, Status.not_selected.value, Status.running.value]))))  # fmt: skip
    members = await panel_members(session)
    found = []
    for project in projects:
        unit = await session.get_one(Unit, project.unit_id)
        result = await lifecycle.tally(session, project, lifecycle.SELECTION)
        scored = {s.person_id for s in result.sheets}
        waiting = [m.name for m in members if m.person_id not in scored
                   and permissions.allows(m.actor, Action.score_project, unit.path)]  # fmt: skip
        found.append(scoring.Tally(result.project_id, result.sheets, result.totals, result.mean, result.by_criterion,
                                   result.provisional, tuple(waiting)))  # fmt: skip
    return found


async def ranking(session: AsyncSession, call_id: int) -> list[scoring.Ranked]:
    return scoring.rank(await tallies_of_call(session, call_id))


async def standing(session: AsyncSession, project: Project) -> dict[str, Any]:
    """The project's place in its call's ranking, as plain figures (kept with the decision)."""
    ranked = await ranking(session, project.call_id)
    mine = next((r for r in ranked if r.tally.project_id == project.id), None)
    tally = mine.tally if mine else None
    return {"rank": mine.rank if mine else None, "of": len(ranked), "tied": bool(mine and mine.tied),
            "mean": str(tally.mean) if tally and tally.mean is not None else None, "count": tally.count if tally else 0,
            "provisional": bool(tally and tally.provisional), "waiting": list(tally.waiting) if tally else [],
            "totals": [str(t) for t in tally.totals] if tally else []}  # fmt: skip


async def standing_note(session: AsyncSession, project: Project) -> tuple[str, str]:
    figures = await standing(session, project)
    zh_summary, en_summary = await summary(session, project)
    if figures["mean"] is None:
        zh, en = "尚无评委评分。", "No panel member has scored it yet."
    else:
        zh = f"综合得分 {figures['mean']}（{figures['count']} 位评委：{'、'.join(figures['totals'])}），排名 {figures['rank']}/{figures['of']}"
        en = f"Score {figures['mean']} ({figures['count']} members: {', '.join(figures['totals'])}), rank {figures['rank']} of {figures['of']}"
        if figures["tied"]:
            zh, en = zh + "（并列）", en + " (tied)"
        if figures["provisional"]:
            zh, en = zh + "；评分人数不足，结果仅供参考", en + "; too few scores, provisional"
    if figures["waiting"]:
        zh += f"；尚未评分：{'、'.join(figures['waiting'])}"
        en += f"; not scored yet: {', '.join(figures['waiting'])}"
    return f"{zh_summary}\n\n{zh}", f"{en_summary}\n\n{en}"


async def outcome_note(session: AsyncSession, project: Project) -> tuple[str, str]:
    """For a reward or accountability: the acceptance conclusions and the investment."""
    results = list(await session.scalars(select(StageResult).where(StageResult.project_id == project.id)
                                         .order_by(StageResult.id)))  # fmt: skip
    kind = kinds.get(project.kind)
    lines_zh, lines_en = [], []
    for r in results:
        if r.stage == lifecycle.SELECTION:
            continue
        stage = kind.acceptance_stage(r.stage)
        label = stage.label if stage else None
        lines_zh.append(f"{label.zh if label else r.stage}（第 {r.round} 轮）：{r.result.get('mean')} 分，{'通过' if r.passed else '未通过'}")
        lines_en.append(f"{label.en if label else r.stage} (round {r.round}): {r.result.get('mean')}, {'passed' if r.passed else 'not passed'}")
    zh = f"《{project.title}》投资概算 {money(project.budget_yuan)} 元\n" + ("\n".join(lines_zh) or "尚无验收结论")
    en = f"“{project.title}”, budget {money(project.budget_yuan)} yuan\n" + ("\n".join(lines_en) or "No acceptance conclusion yet")
    return zh, en


# --- list, card, matrix ---------------------------------------------------------------------------


def visible_paths(actor: Actor, action: Action = Action.see_projects) -> list[str]:
    return permissions.scope_paths(actor, action)


async def in_scope(session: AsyncSession, actor: Actor, action: Action = Action.see_projects) -> list[tuple[Project, Unit]]:
    paths = visible_paths(actor, action)
    if not paths:
        return []
    condition = None
    for path in paths:
        clause = Unit.path.startswith(path)
        condition = clause if condition is None else condition | clause
    rows = await session.execute(select(Project, Unit).join(Unit, Unit.id == Project.unit_id).where(condition)
                                 .order_by(Project.id))  # fmt: skip
    return [(p, u) for p, u in rows]


def progress(nodes: list[ProjectNode]) -> int:
    return round(sum(n.percent for n in nodes) / len(nodes)) if nodes else 0


def bar(percent: int, width: int = 10) -> str:
    filled = max(0, min(width, round(percent * width / 100)))
    return "▓" * filled + "░" * (width - filled)


@dataclass(frozen=True)
class Line:
    project_id: int
    title: str
    unit_name: str
    status: str
    percent: int
    bar: str
    overdue: int


@dataclass(frozen=True)
class Listing:
    lines: list[Line]
    page: int
    pages: int
    total: int


async def nodes_by_project(session: AsyncSession, project_ids: list[int]) -> dict[int, list[ProjectNode]]:
    found: dict[int, list[ProjectNode]] = defaultdict(list)
    for start in range(0, len(project_ids), 500):
        chunk = project_ids[start:start + 500]
        for node in await session.scalars(select(ProjectNode).where(ProjectNode.project_id.in_(chunk))
                                          .order_by(ProjectNode.project_id, ProjectNode.seq)):  # fmt: skip
            found[node.project_id].append(node)
    return found


async def listing(session: AsyncSession, actor: Actor, today: date, page: int = 1) -> Listing:
    rows = await in_scope(session, actor)
    pages = max(1, -(-len(rows) // PAGE))
    page = min(max(1, page), pages)
    shown = rows[(page - 1) * PAGE:page * PAGE]
    nodes = await nodes_by_project(session, [p.id for p, _ in shown])
    lines = []
    for project, unit in shown:
        mine = nodes.get(project.id, [])
        percent = progress(mine)
        late = sum(1 for n in mine if lifecycle.overdue(n, today)) if project.status in workflow.ACTIVE else 0
        lines.append(Line(project.id, project.title, unit.name, project.status, percent, bar(percent), late))
    return Listing(lines, page, pages, len(rows))


@dataclass
class Card:
    project: Project
    unit: Unit
    kind: kinds.Kind
    nodes: list[ProjectNode]
    percent: int
    timeline: list[dict[str, Any]]
    latest_report: ProjectReport | None
    next_due: dict[str, Any] | None
    results: list[StageResult]
    actions: list[str] = field(default_factory=list)  # verbs the viewer may do now (buttons)


async def card(session: AsyncSession, actor: Actor, project_id: int, today: date) -> Card | None:
    """A project the actor may see, with everything its card shows; None when it is not theirs to see."""
    project = await session.get(Project, project_id)
    if project is None:
        return None
    unit = await session.get_one(Unit, project.unit_id)
    if not permissions.allows(actor, Action.see_projects, unit.path):
        raise permissions.NotAllowed(Action.see_projects.value)
    kind = kinds.get(project.kind)
    nodes = await lifecycle.nodes_of(session, project.id)
    timeline = [{"at": e.at, "action": e.action.removeprefix("project."), "after": (e.after or {}).get("status")}
                for e in await session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "project",
                                                                         AuditEntry.subject_id == str(project.id),
                                                                         AuditEntry.action.like("project.%"))
                                               .order_by(AuditEntry.id))
                if (e.after or {}).get("status")]  # fmt: skip
    latest = await session.scalar(select(ProjectReport).where(ProjectReport.project_id == project.id,
                                                              ProjectReport.kind == "quarterly")
                                  .order_by(ProjectReport.id.desc()).limit(1))  # fmt: skip
    results = list(await session.scalars(select(StageResult).where(StageResult.project_id == project.id)
                                         .order_by(StageResult.id)))  # fmt: skip
    return Card(project, unit, kind, nodes, progress(nodes), timeline, latest,
                await next_due(session, project, nodes, today), results)  # fmt: skip


async def next_due(session: AsyncSession, project: Project, nodes: list[ProjectNode], today: date) -> dict[str, Any] | None:
    """The nearest thing due: a quarterly report or a quality node (overdue ones first)."""
    if project.status != Status.running.value:
        return None
    candidates = []
    period = await lifecycle.report_period(session, project, today)
    kind = kinds.get(project.kind)
    if period is not None:
        due = lifecycle.quarter_end(*period) + timedelta(days=kind.stages["report"].due_days or 0)
        candidates.append({"what": "report", "period": lifecycle.period_name(*period), "due_on": due})
    for node in nodes:
        if node.percent < 100:
            candidates.append({"what": "node", "seq": node.seq, "title": node.title, "due_on": node.due_on})
    return min(candidates, key=lambda c: c["due_on"]) if candidates else None


@dataclass(frozen=True)
class MatrixRow:
    project_id: int
    title: str
    unit_name: str
    status: str
    cells: list[tuple[int, int, bool]]  # (seq, percent, overdue)
    unit_code: str = ""


@dataclass(frozen=True)
class Matrix:
    rows: list[MatrixRow]
    width: int  # the most nodes any row has
    page: int
    pages: int
    total: int
    overdue: int


async def matrix(session: AsyncSession, actor: Actor, today: date, page: int | None = 1, per_page: int = 10) -> Matrix:
    """Projects being carried out (and done) × their quality nodes; ``page`` None for all of them."""
    if not permissions.may_somewhere(actor, Action.see_matrix):
        raise permissions.NotAllowed(Action.see_matrix.value)
    shown_status = {Status.selected.value, Status.running.value, Status.rectifying.value, Status.accepted.value,
                    Status.completed.value, Status.rewarded.value, Status.accountability.value}  # fmt: skip
    rows = [(p, u) for p, u in await in_scope(session, actor, Action.see_matrix) if p.status in shown_status]
    total = len(rows)
    pages = max(1, -(-total // per_page))
    if page is not None:
        page = min(max(1, page), pages)
        rows = rows[(page - 1) * per_page:page * per_page]
    nodes = await nodes_by_project(session, [p.id for p, _ in rows])
    built, late_total = [], 0
    for project, unit in rows:
        active = project.status in workflow.ACTIVE
        cells = [(n.seq, n.percent, active and lifecycle.overdue(n, today)) for n in nodes.get(project.id, [])]
        late_total += sum(1 for c in cells if c[2])
        built.append(MatrixRow(project.id, project.title, unit.name, project.status, cells, unit.code))
    width = max((len(r.cells) for r in built), default=0)
    return Matrix(built, width, page or 1, pages if page is not None else 1, total, late_total)
