"""An account that works like the workforce (the workforce's audit sources, many families'
records, a person's hours) but is on no roster: a contractor never entered, a shared or
borrowed login, or an account created outside the joiner process. Which accounts these
are is learned in `accounts.py`."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import Detector, Hit, Params, plural

SQL = """
SELECT a.user_id, '' AS patient_id, min(a.t) AS first_t, max(a.t) AS last_t,
       count(*) AS events, CAST(max(x.patients) AS DOUBLE) AS metric,
       CAST(0 AS DOUBLE) AS baseline, '' AS detail
FROM access a JOIN accounts x ON x.user_id = a.user_id AND x.kind = '{kind}'
WHERE a.t >= {since}
GROUP BY a.user_id
"""


def query(p: Params) -> str:
    return SQL.format(kind="unrostered", since=p.since_t)


def reason(hit: Hit) -> str:
    return (
        f"the login is on no roster, yet it opened {plural(hit.metric, 'patient record')} "
        f"in {hit.events:,} access(es) through the workforce's systems, at a person's "
        "hours"
    )


DETECTOR = Detector(
    id="unrostered_account",
    title="Workforce account missing from the roster",
    category="unrostered_account",
    severity="high",
    level="user",
    description="Accesses by a login that no roster lists, which uses the audit sources the "
    "roster's staff use, opened more than one family's records and kept a person's hours.",
    false_positives="A new starter or contractor not yet in the roster export; a roster that "
    "lists only employees, not students or agency staff.",
    query=query,
    strength=lambda hit: min(1.0, 0.5 + hit.metric / 100),
    reason=reason,
    covers="1 = 1",
)
