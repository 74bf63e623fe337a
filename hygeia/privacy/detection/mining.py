"""Explanations learned from the site's own accesses (explanation-based auditing: Fabbri and
LeFevre, PVLDB 2011; Fabbri et al., JAMIA 2012), so that no department name, job title or
duty window has to be written down for a site.

A candidate explanation (a template) is a path from a user to a patient through the context:
an episode of the patient (an encounter of some class, a care-team period, an appointment),
the relation of the user to it (named on it; of a department that took part; none: the episode
alone, possibly of one treating department), and the time of the access relative to it (an
offset bin before its start, during it, or after its end). For every role group, Hygeia
counts on a sample of the site's accesses how often each template holds (support), and how
often it holds when the same accesses are paired with patients drawn at random (the
baseline). A template is accepted when

- it covers at least `min_share` of the group's sampled accesses and `min_events` of them,
- at least `min_users` of the group's users follow it (all of them, in a smaller group;
  the group counted whole, also where the second stage looks only at what is left over),
- its support is at least `min_lift` times the random-pairing rate (the lift; `weak_lift`
  for a weak explanation: work spread over most patients, such as billing, whose lift cannot
  be high), and
- the support lies at least `min_z` binomial standard errors above that rate.

Mining runs in two stages: first the templates that connect the user to the care (named,
department), then, on the sampled accesses those leave unexplained, the role's routine (no
connection: the episode alone). A ward nurse's own patients then do not also teach the ward
that "any visit will do".

Accepted templates explain accesses by the group's members wherever they hold; a role's time
offsets (how long before a visit the front desk starts, how long after discharge the back
office still works) are the bins accepted for it. Two relations every site has, named and
department, also hold within prior windows from the first run. Role groups start as the
roster's department and job title; a group with fewer than `min_group` users joins the group
whose access behaviour is closest (cosine similarity of where, relative to episodes, its
accesses fall), so unreliable titles are grouped by what people do. A site reviews the
templates (`hygeia privacy templates`, /alerts/explanations/): a pinned one always applies, a
rejected one never.

Every query here is SQL that DuckDB and Spark both run (the parity test compares them).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hygeia.privacy.detection.config import Config, Mining
from hygeia.privacy.detection.engines import Engine
from hygeia.privacy.detection.episode_kinds import BOOKING, GENERAL_PRACTITIONER, NOT_VISITS
from hygeia.privacy.detection.template_key import Key, TemplateFigures, key_of

RANDOM_MULTIPLIER = 2654435761  # Knuth's multiplicative hash: the random pairing's draw
GROUP_SAMPLE = 20_000  # sampled accesses every role group keeps, at least
KIND_TITLES = {
    "AMB": "outpatient visit",
    "EMER": "emergency visit",
    "IMP": "inpatient stay",
    "ACUTE": "inpatient stay",
    "OBSENC": "observation stay",
    "SS": "short stay",
    "HH": "home health visit",
    "VR": "virtual visit",
    "TEAM": "care-team period",
    "APPT": "appointment",
    BOOKING: "appointment's booking",
    GENERAL_PRACTITIONER: "general-practitioner relationship",
}
RELATIONS = ("named", "department", "any")
RANKS = {"named": 1, "department": 4}
ROUTINE, WEAK = 5, 6  # ranks of a role's routine: above min_lift, and above weak_lift only
TEMPLATE_SCHEMA = pa.schema(
    [
        ("role_group", pa.string()),
        ("kind", pa.string()),
        ("relation", pa.string()),
        ("scope", pa.string()),
        ("bin", pa.string()),
        ("events", pa.int64()),
        ("group_events", pa.int64()),
        ("users", pa.int64()),
        ("lift", pa.float64()),
        ("rank", pa.int32()),
        ("status", pa.string()),
    ]
)


@dataclass(frozen=True)
class Template(TemplateFigures):
    role_group: str
    kind: str
    relation: str  # named, department, any
    scope: str  # '*', or the treating department the episode must have
    bin: str  # b<i> before the start, d during, a<i> after the end
    events: int  # sampled accesses of the group it covers
    group_events: int  # sampled accesses of the group
    users: int
    lift: float
    rank: int
    status: str = "mined"  # mined, prior, pinned


# --- offset bins ------------------------------------------------------------------------------


def bins(edges: tuple[float, ...]) -> list[str]:
    """Every bin, in time order: furthest before the start ... during ... furthest after."""
    count = len(edges)
    return [f"b{i}" for i in reversed(range(count))] + ["d"] + [f"a{i}" for i in range(count)]


def bin_range(name: str, edges: tuple[float, ...]) -> tuple[float, float]:
    """(low, high) hours of a bin from its anchor."""
    if name == "d":
        return 0.0, 0.0
    index = int(name[1:])
    return (edges[index - 1] if index else 0.0), edges[index]


def bin_sql(t: str, start: str, end: str, edges: tuple[float, ...]) -> str:
    def ladder(distance: str, prefix: str) -> str:
        steps = " ".join(
            f"WHEN {distance} <= {int(edge * 3600)} THEN '{prefix}{i}'"
            for i, edge in enumerate(edges)
        )
        return f"CASE {steps} ELSE 'x' END"

    return (
        f"CASE WHEN {t} >= {start} AND {t} <= {end} THEN 'd' "
        f"WHEN {t} < {start} THEN {ladder(f'({start} - {t})', 'b')} "
        f"ELSE {ladder(f'({t} - {end})', 'a')} END"
    )


def describe_bin(name: str, edges: tuple[float, ...]) -> str:
    if name == "d":
        return "during"
    low, high = bin_range(name, edges)
    side = "before the start of" if name.startswith("b") else "after the end of"
    return f"{_hours(low)} to {_hours(high)} {side}"


def _hours(hours: float) -> str:
    if hours < 48:
        return f"{hours:g} h"
    return f"{hours / 24:g} days"


# --- the path from an access to the episodes of its patient -------------------------------------


def reach(config: Mining) -> int:
    return int(config.bin_edges_hours[-1] * 3600)


Window = tuple[int, int]  # [first, last) epoch seconds of the accesses matched in one step


# Whether the user (or their department) is linked to an episode, asked as membership: the
# engines then hash the links once and probe them with every (access, episode) pair, where a
# join could be planned the other way round (tens of millions of pairs hashed, then spilled).
LINKED = "SELECT episode_id, who FROM links WHERE kind = '{kind}'"


def matches_sql(
    source: str, mining: Mining, with_group: bool = False, window: Window | None = None
) -> str:
    """Every (access, episode) pair within reach, with the offset bin and the relation
    (2 named, 1 department, 0 none). `source` has event_id, user_id, patient_id, t,
    department_key (and role_group, carried along `with_group`). `window` is the span the
    accesses of `source` lie in: only the episodes within reach of it are joined."""
    far = reach(mining)
    edges = mining.bin_edges_hours
    near = f"AND e.end_t >= {window[0] - far} AND e.start_t < {window[1] + far}" if window else ""
    return f"""
SELECT x.event_id, x.user_id, {"x.role_group, " if with_group else ""}e.kind,
       e.department_key AS scope,
       {bin_sql("x.t", "e.start_t", "e.end_t", edges)} AS bin,
       CASE WHEN (e.episode_id, x.user_id) IN ({LINKED.format(kind="user")}) THEN 2
            WHEN (e.episode_id, x.department_key) IN ({LINKED.format(kind="department")})
            THEN 1 ELSE 0 END AS rel
FROM {source} x
JOIN episodes e ON e.patient_id = x.patient_id
 AND e.start_t <= x.t + {far} AND e.end_t >= x.t - {far} {near}
"""


def best_sql(source: str, mining: Mining, window: Window | None = None) -> str:
    """The best explanation (lowest rank) of every access of `source` (event_id, user_id,
    patient_id, t, department_key, role_group) that a template of `templates` covers."""
    return f"""
WITH paths AS ({matches_sql(source, mining, with_group=True, window=window)})
SELECT p.event_id, min(t.rank) AS rank
FROM paths p JOIN templates t
  ON t.role_group = p.role_group AND t.kind = p.kind AND t.bin = p.bin
 AND (t.scope = '*' OR t.scope = p.scope)
 AND (t.relation = 'any' OR (t.relation = 'department' AND p.rel >= 1)
      OR (t.relation = 'named' AND p.rel = 2))
GROUP BY p.event_id
"""


def _sample(engine: Engine, events_sql: str, mining: Mining) -> int:
    """Keeps `mine_sample` (sampled accesses with their role group) and `mine_random` (the
    same accesses with a patient drawn at random); returns how many were sampled."""
    total = int(engine.query("SELECT count(*) AS n FROM events").to_pylist()[0]["n"] or 0)
    per_mille = min(1000, max(1, math.ceil(1000 * mining.sample_events / max(total, 1))))
    # Every role group keeps at least GROUP_SAMPLE accesses (all of a smaller group's): a
    # uniform sample would starve the small groups (a few dozen staff with broad work) whose
    # routine is the hardest to guess. Support and lift are ratios within a group, so the
    # groups' different rates do not bias them.
    engine.keep(
        "mine_sample",
        f"""WITH ev AS ({events_sql}),
            grp AS (
                SELECT coalesce(s.role_group, '') AS role_group, count(*) AS n
                FROM ev LEFT JOIN staff s ON s.user_id = ev.user_id GROUP BY s.role_group
            )
            SELECT ev.event_id, ev.user_id, ev.patient_id, ev.t,
                   coalesce(s.department_key, '') AS department_key
            FROM ev LEFT JOIN staff s ON s.user_id = ev.user_id
            JOIN grp g ON g.role_group = coalesce(s.role_group, '')
            WHERE ev.patient_id <> '' AND ev.user_id <> ''
              AND (ev.t * 7919) % 1000 < greatest({per_mille}, 1000 * {GROUP_SAMPLE} / g.n)""",
    )
    population = int(engine.query("SELECT count(*) AS n FROM patients").to_pylist()[0]["n"] or 0)
    random = (
        f"""SELECT x.event_id, x.user_id, p.patient_id, x.t, x.department_key
            FROM mine_sample x JOIN patients p
              ON p.n = (x.t * {RANDOM_MULTIPLIER}) % {population}"""
        if population
        else "SELECT * FROM mine_sample WHERE 1 = 0"
    )
    engine.keep("mine_random", random)
    return int(engine.query("SELECT count(*) AS n FROM mine_sample").to_pylist()[0]["n"] or 0)


# --- role groups ------------------------------------------------------------------------------


def regroup(engine: Engine, staff: list[dict[str, Any]], mining: Mining) -> dict[str, str]:
    """user -> role group: the roster's, except that users of a group too small to learn
    from join the group whose members' accesses fall where theirs do."""
    rows = engine.query(
        """SELECT m.user_id, concat(m.kind, ':', CAST(m.rel AS STRING), ':', m.bin) AS feature,
                  count(DISTINCT m.event_id) AS n
           FROM mine_actual m GROUP BY m.user_id, concat(m.kind, ':', CAST(m.rel AS STRING),
                                                         ':', m.bin)"""
    ).to_pylist()
    totals = {
        r["user_id"]: int(r["n"])
        for r in engine.query(
            "SELECT user_id, count(*) AS n FROM mine_sample GROUP BY user_id"
        ).to_pylist()
    }
    profile: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        total = totals.get(row["user_id"]) or 1
        profile[row["user_id"]][row["feature"]] = int(row["n"]) / total
    group_of = {row["user_id"]: row["role_group"] for row in staff}
    members: dict[str, list[str]] = defaultdict(list)
    for user, group in group_of.items():
        if user in totals:
            members[group].append(user)
    large = {g: users for g, users in members.items() if len(users) >= mining.min_group}
    centroids = {g: _centroid([profile.get(u, {}) for u in users]) for g, users in large.items()}
    final = dict(group_of)
    for group, users in members.items():
        if group in large or not centroids:
            continue
        joined = _centroid([profile.get(u, {}) for u in users])
        best = max(centroids, key=lambda g: (_cosine(joined, centroids[g]), g))
        for user in users:
            final[user] = best
    return final


def _centroid(vectors: list[dict[str, float]]) -> dict[str, float]:
    summed: dict[str, float] = defaultdict(float)
    for vector in vectors:
        for key, value in vector.items():
            summed[key] += value / max(len(vectors), 1)
    return dict(summed)


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


# --- support and lift ---------------------------------------------------------------------------

STATS_SQL = """
WITH kept AS (
    SELECT m.* FROM {matches} m LEFT JOIN {explained} x ON x.event_id = m.event_id
    WHERE x.event_id IS NULL AND m.bin <> 'x'
), expanded AS (
    SELECT s.role_group, m.event_id, m.user_id, m.kind, r.relation, '*' AS scope, m.bin
    FROM kept m JOIN staff s ON s.user_id = m.user_id
    JOIN (SELECT 'named' AS relation, 2 AS need UNION ALL SELECT 'department', 1
          UNION ALL SELECT 'any', 0) r ON m.rel >= r.need
    UNION ALL
    SELECT s.role_group, m.event_id, m.user_id, m.kind, 'any', m.scope, m.bin
    FROM kept m JOIN staff s ON s.user_id = m.user_id
    WHERE m.scope <> ''
)
SELECT role_group, kind, relation, scope, bin, count(DISTINCT event_id) AS events,
       count(DISTINCT user_id) AS users
FROM expanded GROUP BY role_group, kind, relation, scope, bin
"""


def sample(engine: Engine, events_sql: str, mining: Mining) -> int:
    """Keeps the sampled accesses and their paths to episodes, as they happened
    (`mine_actual`) and paired at random (`mine_baseline`); returns how many were sampled."""
    sampled = _sample(engine, events_sql, mining)
    engine.keep("mine_actual", matches_sql("mine_sample", mining))
    engine.keep("mine_baseline", matches_sql("mine_random", mining))
    return sampled


NOTHING = "(SELECT event_id FROM mine_sample WHERE 1 = 0)"


def candidates(engine: Engine, residual: bool = False) -> list[dict[str, Any]]:
    """Support, users and random-pairing support of every template seen in the sample
    (`staff` must carry the final role groups). With `residual`, only over the sampled
    accesses that `templates` leaves unexplained (`mine_explained`), paired at random the
    same way: a weak pattern is sought where the stronger ones did not reach, so that a
    coincidence among accesses already explained (patients often had other episodes) is not
    taken for a pattern of its own."""
    explained = "mine_explained" if residual else NOTHING
    actual = engine.query(STATS_SQL.format(matches="mine_actual", explained=explained)).to_pylist()
    baseline = {
        key_of(r): int(r["events"])
        for r in engine.query(
            STATS_SQL.format(matches="mine_baseline", explained=explained)
        ).to_pylist()
    }
    # The group's users are counted over the whole sample, residual or not: when only two
    # of a ward's eight users have accesses the care leaves unexplained, a pattern those
    # two follow is theirs, not "all of the group" (it may be their own misuse).
    sizes = {
        r["role_group"]: (int(r["events"]), int(r["users"]))
        for r in engine.query(
            "SELECT s.role_group, "
            "count(CASE WHEN x.event_id IS NULL THEN 1 END) AS events, "
            "count(DISTINCT m.user_id) AS users "
            f"FROM mine_sample m JOIN staff s ON s.user_id = m.user_id "
            f"LEFT JOIN {explained} x ON x.event_id = m.event_id "
            "GROUP BY s.role_group"
        ).to_pylist()
    }
    out = []
    for row in actual:
        group_events, group_users = sizes.get(row["role_group"], (0, 0))
        out.append(
            {
                **row,
                "events": int(row["events"]),
                "users": int(row["users"]),
                "random_events": baseline.get(key_of(row), 0),
                "group_events": group_events,
                "group_users": group_users,
            }
        )
    return out


def accept(candidate: dict[str, Any], mining: Mining) -> tuple[bool, float]:
    """The acceptance rule of the module docstring; returns (accepted, lift)."""
    n, k = candidate["group_events"], candidate["events"]
    if not n:
        return False, 0.0
    share = k / n
    base = (candidate["random_events"] + 0.5) / (n + 1)
    lift = share / base
    z = (k - n * base) / math.sqrt(n * base * (1 - base)) if 0 < base < 1 else 0.0
    enough_users = candidate["users"] >= min(mining.min_users, candidate["group_users"])
    accepted = (
        k >= max(mining.min_events, mining.min_share * n)
        and enough_users
        and lift >= mining.weak_lift
        and z >= mining.min_z
    )
    return accepted, lift


def _rank(relation: str, kind: str, lift: float, mining: Mining) -> int:
    if relation == "named":
        # a general practitioner counts as the patient's care team
        return {"TEAM": 2, GENERAL_PRACTITIONER: 2, "APPT": 3}.get(kind, 1)
    if relation == "department":
        return RANKS["department"]
    return ROUTINE if lift >= mining.min_lift else WEAK


def priors(groups: set[str], kinds: set[str], config: Config) -> list[Template]:
    """The named and department relations within their prior windows, for every group
    (the windows end on bin edges: config.py checks)."""
    edges = config.mining.bin_edges_hours
    found = []
    for relation, prior in (("named", "named"), ("department", "department")):
        before, after = config.priors[prior]
        wanted = [
            b
            for b in bins(edges)
            if b == "d" or bin_range(b, edges)[1] <= (before if b.startswith("b") else after)
        ]
        for group in groups:
            for kind in kinds:
                if relation == "department" and kind in ("APPT", *NOT_VISITS):
                    continue  # these name people (or nobody), not a treating department
                for b in wanted:
                    found.append(
                        Template(
                            group,
                            kind,
                            relation,
                            "*",
                            b,
                            0,
                            0,
                            0,
                            0.0,
                            _rank(relation, kind, 0.0, config.mining),
                            "prior",
                        )
                    )
    return found


def _chosen(
    rows: list[dict[str, Any]], config: Config, decisions: dict[Key, str], lowest: float
) -> dict[Key, Template]:
    found = {}
    for row in rows:
        ok, lift = accept(row, config.mining)
        key = key_of(row)
        status = decisions.get(key, "")
        if status == "rejected" or not ((ok and lift >= lowest) or status == "pinned"):
            continue
        found[key] = Template(
            *key,
            events=row["events"],
            group_events=row["group_events"],
            users=row["users"],
            lift=round(lift, 3),
            rank=_rank(row["relation"], row["kind"], lift, config.mining),
            status="pinned" if status == "pinned" else "mined",
        )
    return found


def strong(
    found: list[dict[str, Any]],
    groups: set[str],
    kinds: set[str],
    config: Config,
    decisions: dict[Key, str] | None = None,
) -> list[Template]:
    """The first stage: priors, and the templates that connect the user to the care (named,
    department) at least `min_lift` above chance; pinned ones. A role's routine (relation
    `any`) is left to the second stage, so that work the care already explains (a ward
    nurse's own patients) does not also teach "any visit will do"."""
    decisions = decisions or {}
    chosen: dict[Key, Template] = {t.key: t for t in priors(groups, kinds, config)}
    connected = [row for row in found if row["relation"] != "any"]
    chosen.update(_chosen(connected, config, decisions, config.mining.min_lift))
    for key, status in decisions.items():
        if status == "pinned" and key not in chosen:
            rank = _rank(key[2], key[1], config.mining.min_lift, config.mining)
            chosen[key] = Template(*key, 0, 0, 0, 0.0, rank, "pinned")
        if status == "rejected":
            chosen.pop(key, None)
    return sorted(chosen.values(), key=lambda t: t.key)


def weak(
    residual: list[dict[str, Any]],
    first: list[Template],
    config: Config,
    decisions: dict[Key, str] | None = None,
) -> list[Template]:
    """The second stage: a role's routine (relation `any`), among the accesses the first
    stage left unexplained: at least `min_lift` above chance, or a weak explanation above
    `weak_lift`."""
    have = {t.key for t in first}
    extra = _chosen(residual, config, decisions or {}, config.mining.weak_lift)
    return sorted([*first, *(t for k, t in extra.items() if k not in have)], key=lambda t: t.key)


def write(templates: list[Template], path: Path) -> None:
    pq.write_table(
        pa.Table.from_pylist([asdict(t) for t in templates], schema=TEMPLATE_SCHEMA),
        path,
        compression="zstd",
    )


def describe(template: Template | dict[str, Any], edges: tuple[float, ...]) -> str:
    """A template in plain words, for alerts, the review page and the CLI."""
    t = template if isinstance(template, dict) else asdict(template)
    kind = KIND_TITLES.get(t["kind"], f"{t['kind']} encounter")
    where = {
        "named": "the user is named on it",
        "department": "the user's department took part",
        "any": "by the routine of the user's role",
    }[t["relation"]]
    scope = f" in {t['scope']}" if t["scope"] != "*" else ""
    return f"{describe_bin(t['bin'], edges)} the patient's {kind}{scope} ({where})"
