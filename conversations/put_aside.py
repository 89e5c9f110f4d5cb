"""Forms put aside with their answers (left idle, or for another form), kept in our table until
the person carries on, discards them, or they are older than the service keeps them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.forms import FlowState
from conversations.replies import Reply
from handlers.delivery.chat import Button, Keyboard
from handlers.service.context import ServiceContext
from storage.models import ConversationState, PutAsideForm

PUT_ASIDE_PREFIX = "p:"
RESUME, DISCARD, RESTART = "resume", "discard", "restart"


async def keep_aside(uow: AsyncSession, row: ConversationState, now: datetime) -> None:
    """Copy a conversation into the put-aside forms (one per person and flow: the newer wins)."""
    form = await uow.get(PutAsideForm, (row.person_id, row.flow))
    if form is None:
        form = PutAsideForm(person_id=row.person_id, flow=row.flow)
        uow.add(form)
    form.step = row.step
    form.data = dict(row.data)
    form.history = list(row.history)
    form.tag = row.tag
    form.return_to = row.return_to
    form.put_aside_at = now


async def forms_put_aside(
    uow: AsyncSession, person_id: int, ctx: ServiceContext, flow: str | None = None
) -> list[PutAsideForm]:
    """A person's forms put aside and still kept, oldest first; older ones are discarded."""
    await uow.execute(
        delete(PutAsideForm).where(
            PutAsideForm.person_id == person_id, PutAsideForm.put_aside_at < _oldest_kept(ctx)
        ),
        execution_options={"synchronize_session": "fetch"},
    )
    query = select(PutAsideForm).where(PutAsideForm.person_id == person_id)
    if flow is not None:
        query = query.where(PutAsideForm.flow == flow)
    return list(await uow.scalars(query.order_by(PutAsideForm.put_aside_at)))


def _oldest_kept(ctx: ServiceContext) -> datetime:
    return ctx.now() - timedelta(days=ctx.config.put_aside_days)


def as_state(form: PutAsideForm, nonce: str) -> FlowState:
    """The engine's view of a form put aside, with a new nonce for the prompt asked again."""
    return FlowState(
        form.flow,
        form.step,
        dict(form.data),
        tuple(form.history),
        nonce,
        form.tag or nonce,
        form.return_to,
    )


def put_aside_keyboard(flow: str, *, other: str = DISCARD) -> Keyboard:
    """Carry on, and Discard (or Start again), for one form put aside."""
    labels = {DISCARD: "🗑 Discard it", RESTART: "🔄 Start again"}
    return (
        (
            Button("▶ Carry on", f"{PUT_ASIDE_PREFIX}{RESUME}:{flow}"),
            Button(labels[other], f"{PUT_ASIDE_PREFIX}{other}:{flow}"),
        ),
    )


def parse_put_aside_button(data: str) -> tuple[str, str] | None:
    """Split put-aside button data into (action, flow), or None if it is not one."""
    if not data.startswith(PUT_ASIDE_PREFIX):
        return None
    action, sep, flow = data[len(PUT_ASIDE_PREFIX) :].partition(":")
    return (action, flow) if sep and action in (RESUME, DISCARD, RESTART) and flow else None


async def offer_forms_put_aside(
    uow: AsyncSession, person_id: int, reply: Reply, ctx: ServiceContext, titles: dict[str, str]
) -> None:
    """After a form ends, remind the person of any they put aside, with Carry on and Discard."""
    for form in await forms_put_aside(uow, person_id, ctx):
        title = titles.get(form.flow)
        if title is not None:
            await reply.say(
                f"You still have a form put aside ({title}), with your answers kept.",
                put_aside_keyboard(form.flow),
            )
