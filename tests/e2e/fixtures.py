"""Obviously fictional records used by the end-to-end scenarios."""

from __future__ import annotations

from datetime import UTC, datetime

# Monday 23 November 2026, 10:00 in London (GMT): the office is open.
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# Sunday 22 November 2026, 20:00: the office is closed.
SUNDAY_EVENING = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)

CARER, OTHER_CARER, WORKER, OTHER_WORKER, COORDINATOR, STRANGER = (
    7001,
    7006,
    7002,
    7004,
    7003,
    7999,
)

PEOPLE = """ref,first_name,last_name,role,venue,phone
C1,Casey,Testcarer,carer,,
C2,Carmen,Othercarer,carer,,
W1,Wren,Testworker,worker,coffee-hall,
W2,Will,Otherworker,worker,greenleys,
K1,Cora,Testcoordinator,coordinator,,
SW1,Sam,Testsocial,social_worker,,
"""

CHILDREN = """ref,initials,social_worker_ref,carer_refs
CH1,A.B.,SW1,C1
CH2,D.E.,SW1,C1
CH3,F.G.,SW1,C2
"""

SESSIONS = """ref,venue,room,date,start,end,worker_ref,child_refs,supervision
S1,coffee-hall,Room 2,2026-11-24,10:00,11:30,W1,CH1,full
S2,greenleys,Garden room,2026-11-25,14:00,15:00,W2,CH3,supported
"""

# Staff who answer alerts, and a session running on Monday morning at Coffee Hall.
SENIOR, MANAGER, TEAM_MANAGER = 7010, 7011, 7012

ALERT_STAFF = """SN1,Sid,Testsenior,senior,coffee-hall,
M1,Mia,Testmanager,manager,coffee-hall,
TM1,Tara,Testteammanager,manager,,
"""

SESSION_TODAY = "S0,coffee-hall,Room 1,2026-11-23,09:30,11:00,W1,CH3,full\n"
