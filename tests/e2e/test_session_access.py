"""Who may touch a session: `/today`, *Details*, the arrival marks, notes and the 15-minute
question are refused to anyone but the session's worker (and, for *Details*, the coordinators
and seniors), whatever button data they send: another session's id, another worker's, or none."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Session, SessionEvent, SessionNote
from tests.e2e.alert_steps import setup
from tests.e2e.fixtures import (
    CARER,
    COORDINATOR,
    MANAGER,
    OTHER_WORKER,
    SENIOR,
    WORKER,
)
from tests.e2e.harness import Harness

NOT_THE_WORKER = "Only the session's worker can mark arrivals for it; send /today to see yours."
NOT_FOR_DETAILS = "Only the session's worker, the coordinators and seniors can see its details."
REFUSED_ROLE = "That isn't available for your role. Send /help to see what I can do."


async def ids(h: Harness) -> dict[str, int]:
    async with h.db.unit_of_work() as uow:
        return {ref: id_ for id_, ref in await uow.execute(select(Session.id, Session.ref))}


async def count(h: Harness, model: type[SessionEvent] | type[SessionNote]) -> int:
    async with h.db.unit_of_work() as uow:
        return int(await uow.scalar(select(func.count()).select_from(model)) or 0)


async def refused(h: Harness, user_id: int, data: str) -> str:
    """Press forged data; the one sentence said back."""
    await h.press_data(user_id, data)
    (said,) = h.unread(user_id)
    return said.text


async def test_marks_are_refused_to_all_but_the_sessions_worker_with_any_forged_id(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)  # S0 (Wren's, F.G.) is running at Coffee Hall; S2 is Will's
    await h.link(OTHER_WORKER, "W2")
    await h.link(CARER, "C1")
    session = await ids(h)
    for user_id in (OTHER_WORKER, SENIOR, MANAGER, COORDINATOR):
        for code in ("pa", "ca", "st", "pl", "cr"):
            assert await refused(h, user_id, f"t:{code}:{session['S0']}") == NOT_THE_WORKER
    assert await refused(h, CARER, f"t:pa:{session['S0']}") == REFUSED_ROLE
    # Wren on Will's session, by its id: refused too, and nothing is marked anywhere.
    assert await refused(h, WORKER, f"t:pa:{session['S2']}") == NOT_THE_WORKER
    unknown = await refused(h, WORKER, "t:pa:999999")
    assert unknown.startswith("That button doesn't match")
    assert await count(h, SessionEvent) == 0
    h.assert_no_unexpected_messages()


async def test_details_and_today_show_only_what_each_person_may_see(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.link(OTHER_WORKER, "W2")
    await h.link(CARER, "C1")
    session = await ids(h)
    # Will asks for Wren's sessions by id (today's and tomorrow's); Wren for Will's.
    assert await refused(h, OTHER_WORKER, f"t:d:{session['S0']}") == NOT_FOR_DETAILS
    assert await refused(h, OTHER_WORKER, f"t:d:{session['S1']}") == NOT_FOR_DETAILS
    assert await refused(h, WORKER, f"t:d:{session['S2']}") == NOT_FOR_DETAILS
    assert await refused(h, MANAGER, f"t:d:{session['S0']}") == NOT_FOR_DETAILS
    assert await refused(h, CARER, f"t:d:{session['S1']}") == REFUSED_ROLE
    for allowed in (WORKER, SENIOR, COORDINATOR):
        await h.press_data(allowed, f"t:d:{session['S0']}")
        (details,) = h.unread(allowed)
        assert details.text.startswith("🔎 Session S0") and details.protect_content
    await h.send(OTHER_WORKER, "/today")  # Will's S2 is on Wednesday
    assert [m.text for m in h.unread(OTHER_WORKER)] == ["You have no sessions today."]
    await h.send(SENIOR, "/today")  # a senior's /today is their own sessions as a worker
    assert [m.text for m in h.unread(SENIOR)] == ["You have no sessions today."]
    await h.send(WORKER, "/today")
    (card,) = h.unread(WORKER)
    assert "session S0" in card.text and "S1" not in card.text
    h.assert_no_unexpected_messages()


async def test_notes_and_the_parent_question_are_refused_to_all_but_the_sessions_worker(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.link(OTHER_WORKER, "W2")
    await h.link(CARER, "C1")
    session = await ids(h)
    note_refusal = "That isn't one of your sessions running now, so I can't add"
    assert (await refused(h, OTHER_WORKER, f"m:note:{session['S0']}")).startswith(note_refusal)
    for user_id in (SENIOR, MANAGER, COORDINATOR, CARER):
        assert await refused(h, user_id, f"m:note:{session['S0']}") == REFUSED_ROLE
    for data in (f"pq:c:{session['S0']}", f"pq:w:{session['S0']}"):
        text = await refused(h, OTHER_WORKER, data)
        assert text == "Only the session's worker can answer this question."
    assert await refused(h, CARER, f"pq:c:{session['S0']}") == REFUSED_ROLE
    assert await count(h, SessionNote) == 0
    async with h.db.unit_of_work() as uow:
        statuses = set(await uow.scalars(select(Session.status)))
    assert statuses == {"scheduled"}
    h.assert_no_unexpected_messages()
