"""ATNA reading speed, and what one malformed message costs.

    python benchmarks/atna_faults.py                          # 200,000 messages, & at 10
    python benchmarks/atna_faults.py --messages 50000 --fault 3 --source /path/to/checkout

Writes two synthetic files of N messages in a root element (kept in --work): one clean, one
with an unescaped `&` in message --fault. Then, for each, reads it with
`hygeia.privacy.sources.atna.read` from --source (this checkout by default: point it at
another checkout to compare), best of --repeat runs, each in its own process, and prints
one JSON line per file: messages read as events, rejected, unread (bytes and records), the
best run's wall-clock and CPU seconds (CPU time is steadier on a busy machine), and messages
read (events + rejected) per wall-clock second.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

MESSAGE = """<AuditMessage>
  <EventIdentification EventActionCode="R" EventDateTime="2026-03-08T{h:02d}:{m:02d}:{s:02d}Z"
      EventOutcomeIndicator="0">
    <EventID csd-code="110110" codeSystemName="DCM" originalText="Patient Record"/>
  </EventIdentification>
  <ActiveParticipant UserID="{login}" UserIsRequestor="true" NetworkAccessPointID="10.1.2.3"
      NetworkAccessPointTypeCode="2"/>
  <AuditSourceIdentification AuditSourceID="EHR-1"/>
  <ParticipantObjectIdentification ParticipantObjectID="SYN{n:07d}^^^&amp;1.2.3&amp;ISO"
      ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"/>
</AuditMessage>
"""

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from hygeia.privacy.sources import atna
best = None
for _ in range(int(sys.argv[3])):
    began, cpu = time.perf_counter(), time.process_time()
    counts = {"events": 0, "rejected": 0, "unread_bytes": 0, "unread_records": 0}
    for item in atna.read(Path(sys.argv[2])):
        kind = type(item).__name__
        if kind == "Parsed":
            counts["events"] += 1
        elif kind == "Rejected":
            counts["rejected"] += 1
        else:
            counts["unread_bytes"] += item.bytes
            counts["unread_records"] += item.records or 0
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    if best is None or seconds < best[0]:
        best = (seconds, cpu, counts)
seconds, cpu, counts = best
done = counts["events"] + counts["rejected"]
rate = round(done / seconds) if seconds else None
print(json.dumps({**counts, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                  "messages_per_second": rate}))
"""


def write(path: Path, count: int, fault: int | None) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("<Messages>\n")
        for n in range(count):
            login = "smith & jones" if n == fault else f"user{n % 5000}"
            s = n % 86400
            out.write(MESSAGE.format(h=s // 3600, m=s // 60 % 60, s=s % 60, login=login, n=n))
        out.write("</Messages>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--fault", type=int, default=10, help="0-based message with the &")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--source", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "hygeia-atna"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    for label, fault in (("clean", None), ("fault", args.fault)):
        path = work / f"{label}-{args.messages}-{fault}.xml"
        if not path.exists():
            write(path, args.messages, fault)
        run = subprocess.run(
            [sys.executable, "-c", CHILD, args.source, str(path), str(args.repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(json.dumps({"file": label, "messages": args.messages, **json.loads(run.stdout)}))


if __name__ == "__main__":
    main()
