"""Kinds of episode that are no visit, stay or care period, beside the encounter classes,
`TEAM` and `APPT` (prepare.py writes them; mining, test records and the surge read them).
A module of its own: the detectors and the context preparation both need it, and neither
may import the other."""

BOOKING = "BOOK"  # the instant an appointment was booked (Appointment.created)
GENERAL_PRACTITIONER = "GP"  # the patient's own doctor, named on no visit: an episode always
NOT_VISITS = (BOOKING, GENERAL_PRACTITIONER)
NOT_VISITS_SQL = ", ".join(f"'{kind}'" for kind in NOT_VISITS)
