"""What one upload costs a web worker: peak memory per upload endpoint, at the upload limit.

For every form that takes files, a file of its own format just under HYGEIA_MAX_UPLOAD_MB
(25 MB unless set) is posted to a real server (`hygeia serve`, one gunicorn worker, SQLite in
a throwaway data directory), and the worker's peak resident memory (VmHWM) is read from
/proc after the request. A fresh server per endpoint, so each peak is that upload's alone.
Also measured: a file one byte over the limit, and a request that declares 450 MB.

Reference, in the same run: the idle worker's memory, and the peak of a process that only
parses the same file whole (orjson for JSON, the csv module for CSV), which is what reading
a file whole costs before any import work.

Run:  python benchmarks/uploads.py [--mb 25] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
HYGEIA = [sys.executable, "-m", "hygeia.cli"]


# --- files of each format, just under the limit ----------------------------------------------


def _fill(path: Path, size: int, head: bytes, row, tail: bytes = b"") -> Path:
    """Write head, rows from `row(n)` until `size` is nearly reached, then tail."""
    with open(path, "wb") as out:
        out.write(head)
        written, n = len(head) + len(tail), 0
        while True:
            line = row(n)
            if written + len(line) > size:
                break
            out.write(line)
            written += len(line)
            n += 1
        out.write(tail)
    return path


def kev(path: Path, size: int) -> Path:
    def row(n: int) -> bytes:
        sep = b"," if n else b""
        return (
            sep
            + json.dumps(
                {
                    "cveID": f"CVE-2024-{n:06d}",
                    "vendorProject": "Vendor",
                    "product": f"Product {n % 500}",
                    "vulnerabilityName": "Example remote code execution",
                    "dateAdded": "2024-01-01",
                    "dueDate": "2024-02-01",
                    "knownRansomwareCampaignUse": "Unknown",
                    "notes": "synthetic",
                }
            ).encode()
        )

    head = b'{"title":"KEV","catalogVersion":"2024.01.01","vulnerabilities":['
    return _fill(path, size, head, row, b"]}")


def cyclonedx(path: Path, size: int) -> Path:
    def row(n: int) -> bytes:
        sep = b"," if n else b""
        name = f"lib{n}"
        return (
            sep
            + json.dumps(
                {
                    "type": "library",
                    "bom-ref": f"ref-{n}",
                    "name": name,
                    "version": f"1.{n % 30}.0",
                    "purl": f"pkg:npm/{name}@1.{n % 30}.0",
                }
            ).encode()
        )

    head = (
        b'{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":'
        b'{"name":"Infusion pump","version":"4.2","bom-ref":"pump"}},"components":['
    )
    return _fill(path, size, head, row, b"]}")


def breach_csv(path: Path, size: int) -> Path:
    head = (
        b"Name of Covered Entity,State,Covered Entity Type,Individuals Affected,"
        b"Breach Submission Date,Type of Breach,Location of Breached Information\n"
    )
    return _fill(
        path,
        size,
        head,
        lambda n: (
            b"Clinic %d Health,OH,Healthcare Provider,%d,01/02/2024,Hacking/IT Incident,"
            b"Network Server\n" % (n, n % 9000 + 500)
        ),
    )


def training_csv(path: Path, size: int) -> Path:
    return _fill(
        path,
        size,
        b"email,name,course,assigned,due,completed\n",
        lambda n: (
            b"user%d@example.org,User %d,HIPAA privacy %d,2024-01-02,2024-02-01,"
            b"2024-01-20\n" % (n % 5000, n % 5000, n % 40)
        ),
    )


def vendors_csv(path: Path, size: int) -> Path:
    return _fill(
        path,
        size,
        b"legal_name,website,services\n",
        lambda n: b"Vendor %d LLC,https://v%d.example.com,Billing\n" % (n, n),
    )


def inventory_csv(path: Path, size: int) -> Path:
    filler = b"reads notes " * 800
    return _fill(
        path,
        size,
        b"name,vendor,intended_use\n",
        lambda n: b"Tool %d,Acme,%s\n" % (n, filler),
    )


def pdf(path: Path, size: int) -> Path:
    rng = random.Random(1)  # noqa: S311 - filler bytes, not a secret
    with open(path, "wb") as out:
        out.write(b"%PDF-1.4\n")
        left = size - 9
        while left > 0:
            chunk = min(left, 1 << 20)
            out.write(rng.randbytes(chunk))
            left -= chunk
    return path


# url name -> (role, file maker, file name, extra form fields, reference parser)
ENDPOINTS = {
    "vendors:vulns_import": ("Vendor Risk Manager", kev, "kev.json", {}, "json"),
    "vendors:sbom_upload": ("Vendor Risk Manager", cyclonedx, "pump.cdx.json", {}, "json"),
    "vendors:breach_import": ("Vendor Risk Manager", breach_csv, "breaches.csv", {}, "csv"),
    "vendors:import": ("Vendor Risk Manager", vendors_csv, "vendors.csv", {}, "csv"),
    "program:education_import": (
        "Security Officer",
        training_csv,
        "training.csv",
        {"kind": "training"},
        "csv",
    ),
    "ai:import": ("AI Governance Reviewer", inventory_csv, "inventory.csv", {}, "csv"),
    "cases:attach": ("Privacy Officer", pdf, "statement.pdf", {}, ""),
    "program:assessment_item": ("Security Officer", pdf, "evidence.pdf", {"status": "partial"}, ""),
    "vendors:add": (
        "Vendor Risk Manager",
        pdf,
        "soc2.pdf",
        {"kind": "soc2_type2", "expires_on": "2030-01-01"},
        "",
    ),
    "portal:upload": ("", pdf, "evidence.pdf", {}, ""),
}


# --- the data directory, prepared in a child process -----------------------------------------

PREPARE = r"""
import json, sys
from datetime import date, timedelta
import django
django.setup()
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from hygeia.cli import initialize
initialize()
from hygeia.core.middleware import MFA_OK_KEY
from hygeia.core.models import User
from hygeia.privacy.cases import workflow
from hygeia.program.models import Framework, FrameworkAssessment, Requirement
from hygeia.vendors import assessments, questionnaire
from hygeia.vendors.models import Product, Vendor

sessions = {}
for role in json.loads(sys.argv[1]):
    user = User.objects.create_user(username=role.lower().replace(" ", "_"), password="x")
    user.groups.add(Group.objects.get(name=role))
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store[MFA_OK_KEY] = True
    store.create()
    sessions[role] = store.session_key
vendor = Vendor.objects.create(legal_name="Bench Vendor")
product = Product.objects.create(vendor=vendor, name="Pump")
from django.utils import timezone
from hygeia.privacy.models import Incident
now = timezone.now()
incident = Incident.objects.create(
    key="i" * 32, user_id="nurse1", first_event=now, last_event=now, severity="high"
)
case = workflow.open_case(None, incidents=[incident])
form = questionnaire.install_bundled()[0]
assessment = assessments.create(vendor, form, date.today() + timedelta(days=20), product)
token = assessments.send(assessment, "vendor@example.org")
program = FrameworkAssessment.objects.create(
    framework=Framework.objects.get(key="hhs-cpg"), title="CPG"
)
goal = Requirement.objects.get(framework__key="hhs-cpg", ref="CPG-E3")
kwargs = {
    "vendors:sbom_upload": {"product_id": product.pk},
    "vendors:add": {"vendor_id": vendor.pk, "kind": "certification"},
    "cases:attach": {"number": case.number},
    "program:assessment_item": {"pk": program.pk, "requirement_id": goal.pk},
    "portal:upload": {"token": token},
}
urls = {name: reverse(name, kwargs=kwargs.get(name)) for name in json.loads(sys.argv[2])}
forms = {"portal:upload": reverse("portal:home", kwargs={"token": token})}
print(json.dumps({"sessions": sessions, "urls": urls, "forms": forms}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def worker_pid(master: int) -> int:
    for _ in range(200):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("the server started no worker")


class Server:
    """`hygeia serve` with one worker, on a free port, for one measurement."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [*HYGEIA, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                requests.get(f"{self.base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        self.worker = worker_pid(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def post(server: Server, session_key: str, form_url: str, url: str, path: Path, fields: dict,
         name: str) -> requests.Response:  # fmt: skip
    client = requests.Session()
    if session_key:
        client.cookies.set("sessionid", session_key)
    client.get(server.base + form_url, timeout=60)  # the CSRF cookie, as a browser has it
    token = client.cookies.get("csrftoken", "")
    with open(path, "rb") as handle:
        return client.post(
            server.base + url,
            data={**fields, "csrfmiddlewaretoken": token},
            files={"file": (name, handle)},
            headers={"Referer": server.base + form_url},
            allow_redirects=False,
            timeout=600,
        )


REFERENCE = r"""
import csv, resource, sys
path, kind = sys.argv[1], sys.argv[2]
if kind == "json":
    import orjson
    orjson.loads(open(path, "rb").read())
else:
    csv.field_size_limit(1 << 24)
    rows = list(csv.reader(open(path, encoding="utf-8", newline="")))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=25, help="HYGEIA_MAX_UPLOAD_MB (default 25)")
    parser.add_argument("--only", nargs="*", help="url names to measure (default: all)")
    args = parser.parse_args()
    names = args.only or list(ENDPOINTS)
    limit = int(args.mb * 2**20)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {
            **os.environ,
            "HYGEIA_DATA_DIR": str(work / "data"),
            "DATABASE_URL": "",
            "DJANGO_SETTINGS_MODULE": "hygeia.settings",
            "HYGEIA_MAX_UPLOAD_MB": f"{args.mb:g}",
            "PYTHONPATH": str(ROOT),
        }
        roles = sorted({ENDPOINTS[n][0] for n in names if ENDPOINTS[n][0]})
        setup = subprocess.run(
            [sys.executable, "-c", PREPARE, json.dumps(roles), json.dumps(names)],
            env=env,
            capture_output=True,
            text=True,
        )
        if setup.returncode:
            sys.exit(f"preparing the data directory failed:\n{setup.stderr[-3000:]}")
        prepared = json.loads(setup.stdout.strip().splitlines()[-1])
        print(f"upload limit {args.mb:g} MB; one gunicorn worker per measurement, SQLite\n")
        print(f"{'endpoint':<26} {'file':>8} {'status':>6} {'seconds':>8} {'idle MB':>8} "
              f"{'peak MB':>8} {'whole-parse MB':>15}")  # fmt: skip
        for name in names:
            role, make, filename, fields, parse = ENDPOINTS[name]
            path = make(work / filename, limit - 64 * 1024)
            reference = ""
            if parse:
                out = subprocess.run(
                    [sys.executable, "-c", REFERENCE, str(path), parse],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                reference = f"{int(out.stdout) / 1024:.0f}"
            server = Server(env)
            try:
                idle = peak_kib(server.worker)
                form = prepared["forms"].get(name, "/")
                started = time.perf_counter()
                response = post(
                    server,
                    prepared["sessions"].get(role, ""),
                    form,
                    prepared["urls"][name],
                    path,
                    fields,
                    filename,
                )
                seconds = time.perf_counter() - started
                peak = peak_kib(server.worker)
            finally:
                server.stop()
            size = path.stat().st_size / 2**20
            print(f"{name:<26} {size:>6.1f}MB {response.status_code:>6} {seconds:>8.1f} "
                  f"{idle / 1024:>8.0f} {peak / 1024:>8.0f} {reference:>15}")  # fmt: skip
            path.unlink()

        # Refusals: one byte over the limit, and a body that declares 450 MB.
        over = pdf(work / "over.pdf", limit + 1)
        server = Server(env)
        try:
            idle = peak_kib(server.worker)
            role = ENDPOINTS["cases:attach"][0]
            response = post(
                server,
                prepared["sessions"].get(role, ""),
                "/",
                prepared["urls"].get("cases:attach", "/"),
                over,
                {},
                "over.pdf",
            )
            peak = peak_kib(server.worker)
            print(f"\none byte over the limit: {response.status_code}, worker idle "
                  f"{idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB")  # fmt: skip
            with socket.create_connection(("127.0.0.1", server.port)) as raw:
                target = prepared["urls"].get("cases:attach", "/").encode()
                raw.sendall(
                    b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % target
                    + b"Content-Type: multipart/form-data; boundary=x\r\n"
                    + b"Content-Length: %d\r\n\r\n" % (450 * 2**20)
                )
                status = raw.recv(200).split(b"\r\n", 1)[0].decode()
            print(f"a request declaring 450 MB: {status!r} before any of its body was sent")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
