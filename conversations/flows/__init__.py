"""Every flow the bot offers, by its stored name, with who may start it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Flow
from conversations.flows.alert import ALERT, finish_alert, prepare_alert
from conversations.flows.handover import HANDOVER, finish_handover, prepare_handover
from conversations.flows.illness import ILLNESS, finish_illness, prepare_illness
from conversations.flows.resolve import RESOLVE, finish_resolve, prepare_resolve
from handlers.alerts.raising import RAISERS, RESPONDERS
from handlers.service.context import ServiceContext
from storage.models import Person, Role

Prepare = Callable[[AsyncSession, Person, ServiceContext], Awaitable[dict[str, Any] | str]]
Finish = Callable[[AsyncSession, Person, dict[str, Any], ServiceContext], Awaitable[str]]


@dataclass(frozen=True)
class FlowSpec:
    """A flow with the use case behind it and the roles allowed to start it."""

    flow: Flow
    roles: frozenset[str]
    prepare: Prepare
    finish: Finish


FLOWS: dict[str, FlowSpec] = {
    ILLNESS.name: FlowSpec(ILLNESS, frozenset({Role.CARER.value}), prepare_illness, finish_illness),
    HANDOVER.name: FlowSpec(
        HANDOVER, frozenset({Role.CARER.value}), prepare_handover, finish_handover
    ),
    ALERT.name: FlowSpec(ALERT, RAISERS, prepare_alert, finish_alert),
    RESOLVE.name: FlowSpec(RESOLVE, RESPONDERS, prepare_resolve, finish_resolve),
}
