"""Demo records for the sandbox: obviously fictional people, children and sessions."""

from __future__ import annotations

from datetime import date, timedelta

DEMO_PEOPLE = """ref,first_name,last_name,role,venue,phone
DEMO-CARER,Casey,Example,carer,,
DEMO-WORKER,Wren,Example,worker,coffee-hall,
DEMO-SENIOR,Sol,Example,senior,coffee-hall,
DEMO-MANAGER,Morgan,Example,manager,coffee-hall,
DEMO-COORD,Cora,Example,coordinator,,
DEMO-SW,Sam,Example,social_worker,,
"""

DEMO_CHILDREN = """ref,initials,social_worker_ref,carer_refs
DEMO-CH1,A.E.,DEMO-SW,DEMO-CARER
DEMO-CH2,B.E.,DEMO-SW,DEMO-CARER
"""

# Telegram user ids the sandbox uses for each demo person (emulated accounts).
DEMO_ACCOUNTS = {
    "DEMO-CARER": 5001,
    "DEMO-WORKER": 5002,
    "DEMO-COORD": 5003,
    "DEMO-SENIOR": 5004,
    "DEMO-MANAGER": 5005,
}
# On site at Coffee Hall whenever the sandbox runs, so an alert has someone to ping.
DEMO_ON_SITE = ("DEMO-SENIOR", "DEMO-MANAGER")


def demo_sessions(today: date) -> str:
    """Two sessions tomorrow and the day after, so there is always something upcoming."""
    first, second = today + timedelta(days=1), today + timedelta(days=2)
    return (
        "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"
        f"DEMO-S1,coffee-hall,Room 2,{first},10:00,11:30,DEMO-WORKER,DEMO-CH1;DEMO-CH2,full\n"
        f"DEMO-S2,greenleys,Garden room,{second},14:00,15:00,DEMO-WORKER,DEMO-CH1,supported\n"
    )
