"""Everything a person can do, one line each, in the order menus, commands and /help show them.

A new flow is a new module under conversations/flows/ declaring its Capability, plus one line
here. A carer calls off a session with `cantcome` ("❌ Can't make it"): `/cancel` stays "stop
what you are doing".
"""

from __future__ import annotations

from conversations.alert_buttons import ALERT_BUTTONS
from conversations.alert_list import OPEN_ALERTS
from conversations.flows.alert import RAISE_ALERT
from conversations.flows.amend_note import AMEND_NOTE
from conversations.flows.cantcome import CANT_COME
from conversations.flows.end_session import END_SESSION
from conversations.flows.handover import HANDOVER_CARD, HANDOVER_READ
from conversations.flows.illness import DECIDE_ILLNESS, REPORT_ILLNESS
from conversations.flows.late import LATE_NOTED, RUNNING_LATE
from conversations.flows.notes import WRITE_NOTE
from conversations.flows.parent_wait import PARENT_QUESTION, WAIT_FOR_PARENT
from conversations.flows.previsit import BOOK_PREVISIT
from conversations.flows.report import REPORT_SIGN_OFF, SEND_BACK_REPORT, WRITE_REPORT
from conversations.flows.resolve import RESOLVE_ALERT
from conversations.flows.return_card import SEND_RETURN_CARD
from conversations.menus import CANCEL, CONTACTS, HELP, START
from conversations.my_sessions import MY_CALENDAR, MY_SESSIONS
from conversations.previsit_list import UPCOMING_PREVISITS
from conversations.registry import Registry
from conversations.today import TODAY, TODAY_BUTTONS
from conversations.welfare import WELFARE_CHECK

REGISTRY = Registry(
    (
        START,
        HANDOVER_CARD,
        REPORT_ILLNESS,
        RUNNING_LATE,
        CANT_COME,
        MY_SESSIONS,
        BOOK_PREVISIT,
        RAISE_ALERT,
        TODAY,
        OPEN_ALERTS,
        UPCOMING_PREVISITS,
        RESOLVE_ALERT,
        WRITE_NOTE,
        END_SESSION,
        WRITE_REPORT,
        SEND_RETURN_CARD,
        CONTACTS,
        CANCEL,
        HELP,
        ALERT_BUTTONS,
        LATE_NOTED,
        MY_CALENDAR,
        HANDOVER_READ,
        DECIDE_ILLNESS,
        TODAY_BUTTONS,
        PARENT_QUESTION,
        WAIT_FOR_PARENT,
        AMEND_NOTE,
        REPORT_SIGN_OFF,
        SEND_BACK_REPORT,
        WELFARE_CHECK,
    )
)

FLOWS = REGISTRY.flows
commands_for = REGISTRY.commands_for
main_menu = REGISTRY.main_menu
help_text = REGISTRY.help_text
