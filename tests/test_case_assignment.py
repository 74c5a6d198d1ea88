"""The case-owner rule (addons/postventa/engine/assignment.py), without a database."""

from __future__ import annotations

from tests.addon_modules import load

assignment = load("postventa/engine/assignment.py", "postventa_assignment")


def test_usual_advisor_first_then_least_loaded_then_oldest():
    pools = {1: [10, 11, 12]}
    load_ = {10: 3, 11: 1, 12: 1}
    owners = assignment.pick_owners([(1, "car-a"), (1, None), (1, None), (1, "car-b")], pools, load_,
                                    {"car-a": 10})
    # car-a keeps its advisor; then 11 (1 case, older than 12), 12 (now the least), 11 again.
    assert owners == [10, 11, 12, 11]
    assert load_ == {10: 3, 11: 1, 12: 1}, "the caller's counts are not modified"


def test_a_batch_spreads_like_one_by_one():
    pools = {1: [10, 11]}
    batch = assignment.pick_owners([(1, None)] * 4, pools, {}, {})
    one_by_one, load_ = [], {}
    for _ in range(4):
        (owner,) = assignment.pick_owners([(1, None)], pools, load_, {})
        load_[owner] = load_.get(owner, 0) + 1
        one_by_one.append(owner)
    assert batch == one_by_one == [10, 11, 10, 11]


def test_usual_advisor_who_left_or_other_company_is_not_kept_and_no_pool_means_nobody():
    pools = {1: [10], 2: [20]}
    assert assignment.pick_owners([(2, "car-a"), (3, None)], pools, {}, {"car-a": 10}) == [20, None]
