"""The escalation policy, decided without a database: who each step pings, and when it climbs."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from handlers.alerts.policy import (
    FALLBACK_ROLES,
    Candidate,
    StepPlan,
    climb,
    is_last_level,
    level_index,
    plan_step,
)
from handlers.service.config import DEFAULT_LEVELS, Escalation, load_service_config
from storage.models import Severity
from tests.conftest import EXAMPLE_CONFIG

# The example chain: level 1 the seniors and manager on site, level 2 managers and coordinator.
CHAIN = load_service_config(EXAMPLE_CONFIG).escalation
WORKER, SENIOR, SITE_MANAGER, MANAGER, COORDINATOR, ON_CALL = 1, 2, 3, 4, 5, 6
STAFF = (
    Candidate(WORKER, "worker"),
    Candidate(SENIOR, "senior", is_on_site=True),
    Candidate(SITE_MANAGER, "manager", is_on_site=True),
    Candidate(MANAGER, "manager"),
    Candidate(COORDINATOR, "coordinator"),
    Candidate(ON_CALL, "worker", is_on_call=True),
)


def plan(
    step: int, candidates: tuple[Candidate, ...] = STAFF, *, out_of_hours: bool = False
) -> StepPlan:
    return plan_step(
        CHAIN,
        Severity.URGENT,
        step,
        candidates,
        raised_by_id=WORKER,
        is_out_of_hours=out_of_hours,
    )


def test_when_raised_the_alert_goes_to_the_seniors_and_manager_on_site() -> None:
    first = plan(0)
    assert first.person_ids == (SENIOR, SITE_MANAGER)
    assert first.level_number == 1 and not first.is_fallback
    assert first.wait == timedelta(minutes=5)  # the example's urgent timeout at level 1


def test_each_severity_waits_its_own_timeout() -> None:
    waits = {
        severity: plan_step(
            CHAIN, severity, 0, STAFF, raised_by_id=WORKER, is_out_of_hours=False
        ).wait
        for severity in Severity
    }
    assert waits == {
        Severity.IMMEDIATE: timedelta(minutes=2),
        Severity.URGENT: timedelta(minutes=5),
        Severity.WORRY: timedelta(minutes=30),
    }


def test_the_next_step_climbs_to_managers_and_coordinators_wherever_they_are() -> None:
    second = plan(1)
    assert second.person_ids == (SITE_MANAGER, MANAGER, COORDINATOR)
    assert second.level_number == 2 and second.wait == timedelta(minutes=10)


def test_past_the_top_the_last_level_repeats_every_repeat_interval() -> None:
    for step in (2, 3, 10):
        again = plan(step)
        assert again.level_number == 2
        assert again.person_ids == plan(1).person_ids
        assert again.wait == timedelta(minutes=CHAIN.repeat_minutes)
        assert is_last_level(CHAIN, step)
    assert not is_last_level(CHAIN, 0)


def test_out_of_hours_the_on_call_person_joins_level_one_only() -> None:
    assert ON_CALL in plan(0, out_of_hours=True).person_ids
    assert ON_CALL not in plan(0).person_ids
    assert ON_CALL not in plan(1, out_of_hours=True).person_ids


def test_a_level_with_nobody_on_site_falls_back_to_managers_and_coordinators() -> None:
    nobody_on_site = tuple(Candidate(c.person_id, c.role) for c in STAFF)
    first = plan(0, nobody_on_site)
    assert first.is_fallback
    assert first.person_ids == (SITE_MANAGER, MANAGER, COORDINATOR)


def test_the_person_who_raised_it_is_never_pinged() -> None:
    raiser_is_senior = plan_step(
        CHAIN, Severity.URGENT, 0, STAFF, raised_by_id=SENIOR, is_out_of_hours=False
    )
    assert raiser_is_senior.person_ids == (SITE_MANAGER,)


def test_the_climb_passes_at_once_over_a_level_nobody_can_be_reached_at() -> None:
    blocked = tuple(
        Candidate(c.person_id, c.role, c.is_on_site, c.is_on_call, "blocked")
        if c.person_id in (SENIOR, SITE_MANAGER)
        else c
        for c in STAFF
    )
    landing = climb(CHAIN, Severity.URGENT, 0, blocked, raised_by_id=WORKER, is_out_of_hours=False)
    assert [p.step for p in landing.plans] == [0, 1]
    assert landing.step == 1
    assert landing.pinged == (MANAGER, COORDINATOR)
    assert landing.wait == timedelta(minutes=10)


def test_nobody_reachable_anywhere_waits_the_repeat_interval_at_the_top() -> None:
    blocked = tuple(
        Candidate(c.person_id, c.role, c.is_on_site, c.is_on_call, "no link") for c in STAFF
    )
    landing = climb(
        CHAIN, Severity.IMMEDIATE, 0, blocked, raised_by_id=WORKER, is_out_of_hours=True
    )
    assert landing.pinged == () and landing.step == 1
    assert landing.wait == timedelta(minutes=CHAIN.repeat_minutes)


def test_without_a_configured_chain_the_default_level_is_managers_and_coordinators() -> None:
    default = Escalation()
    assert default.levels == DEFAULT_LEVELS
    first = plan_step(default, Severity.WORRY, 0, STAFF, raised_by_id=WORKER, is_out_of_hours=False)
    assert first.person_ids == (SITE_MANAGER, MANAGER, COORDINATOR)
    assert first.wait == timedelta(minutes=30)
    assert {c.role for c in STAFF if c.person_id in first.person_ids} <= set(FALLBACK_ROLES)


candidates = st.lists(
    st.builds(
        Candidate,
        person_id=st.integers(1, 30),
        role=st.sampled_from(["worker", "senior", "manager", "coordinator", "carer"]),
        is_on_site=st.booleans(),
        is_on_call=st.booleans(),
        why_unreachable=st.sampled_from([None, None, "blocked"]),
    ),
    max_size=12,
    unique_by=lambda c: c.person_id,
)


@given(
    staff=candidates,
    step=st.integers(0, 6),
    severity=st.sampled_from(list(Severity)),
    raiser=st.integers(1, 30),
    out_of_hours=st.booleans(),
)
def test_a_climb_pings_only_reachable_people_of_its_last_step_and_never_goes_down(
    staff: list[Candidate], step: int, severity: Severity, raiser: int, out_of_hours: bool
) -> None:
    landing = climb(CHAIN, severity, step, staff, raised_by_id=raiser, is_out_of_hours=out_of_hours)
    steps = [p.step for p in landing.plans]
    assert steps == list(range(step, step + len(steps)))  # one step at a time, upwards
    reachable = {c.person_id for c in staff if c.why_unreachable is None}
    assert set(landing.pinged) <= set(landing.plans[-1].person_ids) & reachable
    assert raiser not in landing.pinged
    for passed in landing.plans[:-1]:
        assert not set(passed.person_ids) & reachable  # a step is passed only when nobody's there
    if not landing.pinged:
        assert is_last_level(CHAIN, landing.step)
    assert landing.plans[-1].level_number == level_index(CHAIN, landing.step) + 1
