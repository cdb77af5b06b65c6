"""Panel scores into results (评分汇总): pure functions of the scores and the kind's criteria.

A member scores each criterion from 0 to the scale; their total is the weighted sum brought to 100.
A project's result is the mean of its members' totals, never typed by anyone. Missing scores are
shown, not guessed: a project nobody scored has no result and is ranked last; one with fewer scores
than the kind asks (``min_scores``) is marked provisional; the members still to score are named.
Ties share a rank (1, 1, 3) and are marked, for the admin to decide with reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.projects.kind import Scoring

CENT = Decimal("0.01")
WEAK_SHARE = Decimal("0.6")  # a criterion whose mean is below 60% of the scale is a weakness to rectify


@dataclass(frozen=True)
class Sheet:
    """One member's score sheet."""

    person_id: int
    name: str
    points: Mapping[str, int]
    comment: str | None = None


def total(scoring: Scoring, points: Mapping[str, int]) -> Decimal:
    """A member's weighted total out of 100 (a criterion left out counts 0)."""
    if not scoring.weight:
        return Decimal(0)
    raw = sum((c.weight * Decimal(points.get(c.name, 0)) for c in scoring.criteria), Decimal(0))
    return (raw * 100 / (scoring.weight * scoring.scale)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Tally:
    project_id: int
    sheets: tuple[Sheet, ...]
    totals: tuple[Decimal, ...]
    mean: Decimal | None  # None: nobody has scored
    by_criterion: dict[str, Decimal]  # mean points per criterion
    provisional: bool  # fewer scores than the kind asks
    waiting: tuple[str, ...] = ()  # members who may score it and have not

    @property
    def count(self) -> int:
        return len(self.sheets)

    def weak(self, scoring: Scoring) -> list[str]:
        """Criteria whose mean is below 60% of the scale."""
        bar = WEAK_SHARE * scoring.scale
        return [c.name for c in scoring.criteria if self.by_criterion.get(c.name, Decimal(0)) < bar]


def tally(scoring: Scoring, project_id: int, sheets: Iterable[Sheet], *, waiting: Sequence[str] = ()) -> Tally:
    sheets = tuple(sorted(sheets, key=lambda s: s.person_id))
    totals = tuple(total(scoring, s.points) for s in sheets)
    mean = (sum(totals, Decimal(0)) / len(totals)).quantize(CENT, ROUND_HALF_UP) if totals else None
    by_criterion = {
        c.name: (sum((Decimal(s.points.get(c.name, 0)) for s in sheets), Decimal(0)) / len(sheets)).quantize(CENT, ROUND_HALF_UP)
        for c in scoring.criteria
    } if sheets else {}  # fmt: skip
    return Tally(project_id, sheets, totals, mean, by_criterion, len(sheets) < scoring.min_scores, tuple(waiting))


@dataclass(frozen=True)
class Ranked:
    rank: int | None  # None: no score yet
    tally: Tally
    tied: bool = False  # shares its rank with another project


def rank(tallies: Iterable[Tally]) -> list[Ranked]:
    """Best mean first; equal means share a rank (competition ranking); unscored last, unranked."""
    scored = sorted((t for t in tallies if t.mean is not None), key=lambda t: (-t.mean, t.project_id))
    unscored = sorted((t for t in tallies if t.mean is None), key=lambda t: t.project_id)
    ranked: list[Ranked] = []
    counts: dict[Decimal, int] = {}
    for t in scored:
        counts[t.mean] = counts.get(t.mean, 0) + 1
    position = 0
    previous: Decimal | None = None
    for index, t in enumerate(scored, start=1):
        if t.mean != previous:
            position, previous = index, t.mean
        ranked.append(Ranked(position, t, tied=counts[t.mean] > 1))
    return ranked + [Ranked(None, t) for t in unscored]


def passed(tally_: Tally, pass_mark: Decimal) -> bool:
    return tally_.mean is not None and tally_.mean >= pass_mark
