"""Safeguarding alerts: raise, ping the chain, escalate, hold, resolve, export."""

from __future__ import annotations

from handlers.alerts.due import (
    escalate_due_alerts,
    next_escalation_due,
)
from handlers.alerts.escalation import (
    note_failed_delivery,
)
from handlers.alerts.export import (
    CSV_COLUMNS,
    export_alerts,
)
from handlers.alerts.holding import (
    release_alerts_held_by,
)
from handlers.alerts.messages import (
    ACKNOWLEDGE,
    ALERT_PREFIX,
    CALL_999,
    DETAILS,
    ESCALATE,
    RESOLVE,
    SEVERITY_CHOICES,
    SEVERITY_HEADINGS,
    TAKE_OVER,
    TAKERS,
    AlertTap,
    alert_button,
    parse_alert_button,
    ping_keyboard,
)
from handlers.alerts.raising import (
    NOT_STAFF,
    RAISERS,
    RESPONDERS,
    Acknowledged,
    acknowledge_alert,
    alert_details,
    escalate_alert_now,
    may_read,
    may_respond,
    open_alerts,
    raise_alert,
    raise_carer_concern,
    raise_missed_welfare_check,
    refuse,
    resolve_alert,
    sessions_to_alert_about,
    take_over_alert,
    was_pinged,
)
from handlers.alerts.readiness import (
    check_chain_readiness,
    readiness_checked,
)
from handlers.alerts.rota import (
    RotaError,
    add_shift,
    remove_shift,
    shifts_between,
)

__all__ = [
    "ACKNOWLEDGE",
    "ALERT_PREFIX",
    "CALL_999",
    "CSV_COLUMNS",
    "DETAILS",
    "ESCALATE",
    "NOT_STAFF",
    "RAISERS",
    "RESOLVE",
    "RESPONDERS",
    "SEVERITY_CHOICES",
    "SEVERITY_HEADINGS",
    "TAKERS",
    "TAKE_OVER",
    "Acknowledged",
    "AlertTap",
    "RotaError",
    "acknowledge_alert",
    "add_shift",
    "alert_button",
    "alert_details",
    "check_chain_readiness",
    "escalate_alert_now",
    "escalate_due_alerts",
    "export_alerts",
    "may_read",
    "may_respond",
    "next_escalation_due",
    "note_failed_delivery",
    "open_alerts",
    "parse_alert_button",
    "ping_keyboard",
    "raise_alert",
    "raise_carer_concern",
    "raise_missed_welfare_check",
    "readiness_checked",
    "refuse",
    "release_alerts_held_by",
    "remove_shift",
    "resolve_alert",
    "sessions_to_alert_about",
    "shifts_between",
    "take_over_alert",
    "was_pinged",
]
