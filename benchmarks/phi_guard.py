"""The PHI guard measured on the labelled synthetic prompt corpus (hygeia/ai/prompt_corpus.py):
recall and precision per identifier type, and the time to scan a 2,000-character prompt.

- "main" families (notes, letters, chat questions, EHR tables, devices): seed 1 was used
  while writing the guard; seeds 2-4 are held out.
- "held-out" families (handoffs and patient messages; triage chat) were written after the
  guard. Their first measurement is printed by --first-measurement notes in docs/ai.md.
- the held-out corpus (benchmarks/phi_heldout.py: three families of other layouts and
  phrasings, all 18 Safe Harbor identifiers) was written after the guard, one family at a
  time; docs/ai.md gives each family's first measurement and what changed after it.

A finding counts when it overlaps a labelled identifier of the same type. Reference in the
same run: one compiled e-mail regex over the same prompts (the floor for any scan).

Run:  python benchmarks/phi_guard.py [--documents 500] [--prompts 2000]
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.phi_heldout import (
    FifthFamily,
    FourthFamily,
    HeldOut,
    SecondFamily,
    SixthFamily,
    ThirdFamily,
)
from hygeia.ai.phi_guard import TYPES, Scanner
from hygeia.ai.prompt_corpus import Corpus

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


# Safe Harbor's (R), "any other unique number or code", is a catch-all: a number typed as
# another kind of number still counts for it.
NUMBERS = {"ID", "ACCOUNT", "HEALTH_PLAN", "LICENSE", "DEVICE", "VEHICLE", "MRN", "BIOMETRIC"}


def same_kind(found: str, labelled: str) -> bool:
    return found == labelled or (labelled == "ID" and found in NUMBERS)


def evaluate(corpus: Any, documents: list) -> tuple[Counter, Counter, Counter]:
    """True positives and misses per labelled type, false positives per found type: a
    finding counts when it overlaps a labelled identifier of the same type."""
    scanner = Scanner(corpus.index)
    tp: Counter = Counter()
    fn: Counter = Counter()
    fp: Counter = Counter()
    for doc in documents:
        found = scanner.scan(doc.text)
        for kind, a, b in doc.spans:
            hit = any(same_kind(f.type, kind) and f.start < b and a < f.end for f in found)
            (tp if hit else fn)[kind] += 1
        for f in found:
            if not any(same_kind(f.type, k) and f.start < b and a < f.end for k, a, b in doc.spans):
                fp[f.type] += 1
    return tp, fn, fp


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "—"


def report(title: str, tp: Counter, fn: Counter, fp: Counter) -> None:
    print(f"\n{title}")
    print(f"{'type':12} {'recall':>7} {'precision':>9} {'labelled':>9}")
    for kind in TYPES:
        if tp[kind] + fn[kind] + fp[kind] == 0:
            continue
        print(
            f"{kind:12} {ratio(tp[kind], tp[kind] + fn[kind]):>7} "
            f"{ratio(tp[kind], tp[kind] + fp[kind]):>9} {tp[kind] + fn[kind]:>9}"
        )
    t, n, p = sum(tp.values()), sum(fn.values()), sum(fp.values())
    print(f"{'overall':12} {ratio(t, t + n):>7} {ratio(t, t + p):>9} {t + n:>9}")


def show_misses(corpus: Any, documents: list) -> None:
    """The held-out corpus's misses and false findings, with their text (synthetic data)."""
    scanner = Scanner(corpus.index)
    for doc in documents:
        found = scanner.scan(doc.text)
        for kind, a, b in doc.spans:
            if not any(same_kind(f.type, kind) and f.start < b and a < f.end for f in found):
                print(
                    f"MISS {kind:11} {doc.text[a:b]!r:40} in {doc.text[max(0, a - 40) : b + 20]!r}"
                )
        for f in found:
            if not any(same_kind(f.type, k) and f.start < b and a < f.end for k, a, b in doc.spans):
                print(f"FALSE {f.type:10} {doc.text[f.start : f.end]!r:40} in "
                      f"{doc.text[max(0, f.start - 40) : f.end + 20]!r}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=500, help="documents per measurement")
    parser.add_argument("--prompts", type=int, default=2000, help="prompts timed")
    parser.add_argument(
        "--show-misses", action="store_true", help="print the held-out corpus's misses (synthetic)"
    )
    args = parser.parse_args()

    totals = [Counter(), Counter(), Counter()]
    for seed in (2, 3, 4):
        corpus = Corpus(seed)
        for total, part in zip(
            totals, evaluate(corpus, corpus.documents(args.documents)), strict=True
        ):
            total.update(part)
    report("main families, held-out seeds 2-4", *totals)
    for family, label in ((1, "held-out family 1 (handoffs, patient messages)"),
                          (2, "held-out family 2 (triage chat)")):  # fmt: skip
        corpus = Corpus(11 + family)
        report(
            f"{label}, seed {11 + family}",
            *evaluate(corpus, corpus.documents(args.documents, family)),
        )

    held_out = HeldOut(31)
    report(
        "held-out corpus (benchmarks/phi_heldout.py, seed 31)",
        *evaluate(held_out, held_out.documents(args.documents * 2)),
    )
    second = SecondFamily(41)
    report(
        "second held-out family (benchmarks/phi_heldout.py SecondFamily, seed 41)",
        *evaluate(second, second.documents(args.documents * 2)),
    )
    third = ThirdFamily(51)
    report(
        "third held-out family (benchmarks/phi_heldout.py ThirdFamily, seed 51)",
        *evaluate(third, third.documents(args.documents * 2)),
    )
    fourth = FourthFamily(71)
    report(
        "fourth held-out family (benchmarks/phi_heldout.py FourthFamily, seed 71)",
        *evaluate(fourth, fourth.documents(args.documents * 2)),
    )
    fifth = FifthFamily(81)
    report(
        "fifth held-out family (benchmarks/phi_heldout.py FifthFamily, seed 81)",
        *evaluate(fifth, fifth.documents(args.documents * 2)),
    )
    sixth = SixthFamily(91)
    report(
        "sixth held-out family (benchmarks/phi_heldout.py SixthFamily, seed 91)",
        *evaluate(sixth, sixth.documents(args.documents * 2)),
    )
    if args.show_misses:
        show_misses(sixth, sixth.documents(args.documents * 2))
        show_misses(fifth, fifth.documents(args.documents * 2))
        show_misses(fourth, fourth.documents(args.documents * 2))
        show_misses(third, third.documents(args.documents * 2))
        show_misses(held_out, held_out.documents(args.documents * 2))
        show_misses(second, second.documents(args.documents * 2))

    # latency: prompts of ~2,000 characters made of whole documents
    corpus = Corpus(21)
    scanner = Scanner(corpus.index)
    pool = corpus.documents(400) + corpus.documents(200, 1) + corpus.documents(100, 2)
    pool += HeldOut(61).documents(100) + SecondFamily(62).documents(100)
    pool += ThirdFamily(63).documents(100) + FourthFamily(64).documents(100)
    pool += FifthFamily(65).documents(100) + SixthFamily(66).documents(100)
    prompts = []
    for i in range(args.prompts):
        text = ""
        j = i
        while len(text) < 2000:
            text += pool[j % len(pool)].text + "\n"
            j += 7
        prompts.append(text[:2000])
    timings, floor = [], []
    for text in prompts:
        began = time.perf_counter()
        scanner.scan(text)
        timings.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        EMAIL.findall(text)
        floor.append((time.perf_counter() - began) * 1000)
    timings.sort()
    print(
        f"\nlatency, {len(prompts)} prompts of 2,000 characters: median "
        f"{statistics.median(timings):.2f} ms, p95 {timings[int(0.95 * len(timings))]:.2f} ms, "
        f"max {timings[-1]:.2f} ms (patient index of {len(corpus.patients)} patients)"
    )
    floor_ms = statistics.median(floor)
    print(f"reference (one e-mail regex over the same prompts): median {floor_ms:.3f} ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
