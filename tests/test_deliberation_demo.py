"""The deliberation demo adds consistent records to the demo street through the services."""

from __future__ import annotations

import random
from typing import Any

from linli.deliberation.demo import build_demo_deliberation
from linli.deliberation.models import Ballot, MediationCase, Meeting, Publication, Topic, Vote
from linli.deliberation.selectors import mediation_rates
from linli.deliberation.tally import count_vote
from linli.people.models import Ownership


def test_the_demo_builds_owners_topics_meetings_votes_and_mediation(users: Any, places: Any) -> None:
    build_demo_deliberation(random.Random(7))
    assert Ownership.objects.count() > 50
    assert Topic.objects.count() == 3 * len(places.communities)
    assert Meeting.objects.filter(status="held").count() == 4 * len(places.communities)  # 恳谈会, 先议, 业委会 ×2
    assert Meeting.objects.filter(kind="owners_committee").count() == 2 * len(places.communities)
    closed = Vote.objects.get(status="closed")
    assert Ballot.objects.filter(vote=closed).count() > 0
    result = count_vote(closed)
    assert result.participating.count == Ballot.objects.filter(vote=closed).count()
    assert Publication.objects.filter(vote=closed, kind="vote_result").exists()
    assert Vote.objects.filter(status="open").count() == 1
    assert MediationCase.objects.count() == 20 * len(places.communities)
    rows = mediation_rates(
        users["admin"],
        node=places.street,
        start=closed.created_at.date().replace(year=2000),
        end=closed.created_at.date(),
    )
    assert rows[0].closed == 18 * len(places.communities)
    assert rows[0].rate is not None and rows[0].rate >= 80
    assert sum(r.closed for r in rows[1:]) == rows[0].closed


def test_residents_see_the_demo_publications_of_their_compound(users: Any) -> None:
    from linli.deliberation.selectors import current_publications

    build_demo_deliberation(random.Random(7))
    titles = list(current_publications(users["resident"]).values_list("title", flat=True))
    assert any(t.startswith("表决结果公示") for t in titles)
