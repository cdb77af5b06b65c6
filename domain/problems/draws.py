"""Random draws (随机抽查): N branches in the inspector's scope, reproducible from a seed.

The draw is ``random.Random(seed).sample(candidates, size)``: Python's Mersenne Twister seeded with
the seed text (its SHA-512, Python ≥ 3.2), over the candidates' unit codes sorted. Anyone holding the
seed and the candidate list gets the same branches in the same order (``choose``); the draw, its
seed and candidates are kept and audited, and told to nobody but the inspector who drew it.
Candidates are the branches in scope, or (``only_passed``) those whose standardisation
self-assessment passed (达标) this year: the 定期抽查 of seed 002's passed branches.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.org.units import within
from storage.models import Draw, Submission, SubmissionStatus, Unit, UnitType

MAX_SIZE = 50
CHECKLIST = "standardisation"


class DrawRefused(Exception):
    """``not_allowed``, ``no_candidates`` or ``size`` (not between 1 and the number of candidates)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def choose(seed: str, candidates: Sequence[str], size: int) -> list[str]:
    """The draw itself: the same seed, candidates and size give the same branches in the same order."""
    return random.Random(seed).sample(sorted(candidates), size)


async def candidates(session: AsyncSession, actor: Actor, *, only_passed: bool, year: int) -> list[Unit]:
    scopes = permissions.scope_paths(actor, Action.draw_sample)
    if not scopes:
        return []
    query = select(Unit).where(within(scopes), Unit.type == UnitType.branch)
    if only_passed:
        passed = select(Submission.unit_id).where(Submission.form_id == CHECKLIST,
                                                  Submission.status == SubmissionStatus.passed,
                                                  extract("year", Submission.decided_at) == year)  # fmt: skip
        query = query.where(Unit.id.in_(passed))
    return list((await session.scalars(query.order_by(Unit.code))).all())


async def draw(session: AsyncSession, *, actor: Actor, size: int, only_passed: bool, at: datetime, today: date,
               update_id: int | None = None, seed: str | None = None) -> tuple[Draw, list[Unit]]:  # fmt: skip
    """Draw ``size`` branches; the draw and what it was drawn from are kept and audited."""
    if not permissions.may_somewhere(actor, Action.draw_sample):
        raise DrawRefused("not_allowed")
    pool = await candidates(session, actor, only_passed=only_passed, year=today.year)
    if not pool:
        raise DrawRefused("no_candidates")
    if not 1 <= size <= min(len(pool), MAX_SIZE):
        raise DrawRefused("size", most=min(len(pool), MAX_SIZE))
    seed = seed or secrets.token_hex(8)
    codes = sorted(u.code for u in pool)
    chosen = choose(seed, codes, size)
    row = Draw(drawn_by=actor.person_id, drawn_at=at, seed=seed, size=size, only_passed=only_passed, year=today.year,
               candidates=codes, chosen=chosen)  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id, action="draw.made", subject_type="draw",
                       subject_id=row.id, after={"seed": seed, "size": size, "only_passed": only_passed,
                                                 "candidates": codes, "chosen": chosen}, update_id=update_id)  # fmt: skip
    by_code = {u.code: u for u in pool}
    return row, [by_code[c] for c in chosen]


async def reproduce(session: AsyncSession, draw_id: int) -> tuple[Draw, list[str]] | None:
    """A kept draw and the branches its seed and candidates give again (they should be its ``chosen``)."""
    row = await session.get(Draw, draw_id)
    if row is None:
        return None
    return row, choose(row.seed, row.candidates, row.size)
