"""Panel scores into a ranking: computed, with ties and missing scores shown."""

from __future__ import annotations

from decimal import Decimal

from domain.projects import kind, scoring
from domain.projects.scoring import Sheet

PANEL = kind.get("party_building").panel
ALL = {c.name: 10 for c in PANEL.criteria}


def sheet(person: int, **points: int) -> Sheet:
    return Sheet(person, f"评委{person}", {**{c.name: 0 for c in PANEL.criteria}, **points})


def test_a_member_total_is_weighted_to_100() -> None:
    assert scoring.total(PANEL, ALL) == Decimal(100)
    assert scoring.total(PANEL, {"feasibility": 10}) == Decimal(25)  # weight 25 of 100
    assert scoring.total(PANEL, {"feasibility": 5, "effect": 10}) == Decimal("27.50")


def test_ranking__ties_share_a_rank__unscored_last__few_scores_provisional() -> None:
    full = [Sheet(p, "x", ALL) for p in (1, 2, 3)]
    a = scoring.tally(PANEL, 1, full)
    b = scoring.tally(PANEL, 2, [sheet(1, feasibility=10), sheet(2, feasibility=10), sheet(3, feasibility=10)])
    c = scoring.tally(PANEL, 3, [sheet(1, feasibility=10), sheet(2, feasibility=10), sheet(3, feasibility=10)])
    d = scoring.tally(PANEL, 4, [], waiting=["评委1"])
    e = scoring.tally(PANEL, 5, [Sheet(1, "x", ALL)])
    ranked = scoring.rank([d, c, b, a, e])
    assert [(r.tally.project_id, r.rank, r.tied) for r in ranked] == [(1, 1, True), (5, 1, True), (2, 3, True),
                                                                       (3, 3, True), (4, None, False)]  # fmt: skip
    assert e.provisional and not a.provisional and d.mean is None and d.waiting == ("评委1",)


def test_weak_criteria_are_those_below_sixty_percent_of_the_scale() -> None:
    acceptance = kind.get("party_building").acceptance
    points = {"goals_met": 8, "features": 5, "showcase": 6, "problems_solved": 9, "benefit": 4}
    t = scoring.tally(acceptance, 1, [Sheet(1, "x", points), Sheet(2, "y", {**points, "features": 7})])
    assert t.weak(acceptance) == ["benefit"] and t.by_criterion["features"] == Decimal(6)
    assert scoring.passed(t, Decimal(60)) and not scoring.passed(scoring.tally(acceptance, 2, []), Decimal(60))
