"""`hygeia serve` as operators run it (gunicorn + whitenoise), with its real logs."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pyotp
import pytest
import requests

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'hygeia.sqlite3'}",
        "HYGEIA_LOG_LEVEL": "DEBUG",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    setup = subprocess.run(
        [
            sys.executable,
            "-m",
            "hygeia.cli",
            "demo",
            "--no-serve",
            "--json",
            "--hospital-staff",
            "20",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    accounts = {a["username"]: a["password"] for a in json.loads(setup.stdout)["accounts"]}
    port = _free_port()
    log = data / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hygeia.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a worker still booting
                time.sleep(0.2)
        else:
            process.kill()
            pytest.fail(f"server did not start:\n{log.read_text()}")
        yield base, accounts, log, process
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _form_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _post(session: requests.Session, base: str, path: str, page: str, **data: str):
    return session.post(
        f"{base}{path}",
        data={"csrfmiddlewaretoken": _form_token(page), **data},
        headers={"Referer": f"{base}{path}"},
        timeout=10,
    )


def test_static_files_and_health(server):
    base, _, _, _ = server
    assert requests.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
    script = requests.get(f"{base}/static/hygeia/htmx-2.0.11.min.js", timeout=5)
    assert script.status_code == 200 and "htmx" in script.text
    assert "Content-Security-Policy" in requests.get(f"{base}/login/", timeout=5).headers


def test_no_patient_identifier_reaches_the_server_logs(server):
    base, accounts, log, _ = server
    session = requests.Session()
    login = session.get(f"{base}/login/", timeout=10).text
    enrol = _post(session, base, "/login/", login, username="privacy", password=accounts["privacy"])
    assert enrol.url.endswith("/account/mfa/enrol/")  # the role requires MFA
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text).group(1)  # type: ignore[union-attr]
    done = _post(session, base, "/account/mfa/enrol/", enrol.text, code=pyotp.TOTP(secret).now())
    assert "recovery codes" in done.text

    listing = session.get(f"{base}/patients/", timeout=10).text
    mrns = re.findall(r">(M\d{9})</a>", listing)
    names = re.findall(r"<td>([A-Z][a-z]+), ([A-Z][a-z]+)</td>", listing)
    assert len(mrns) == 25 and names
    ids = re.findall(r'href="/patients/([0-9a-f-]{36})/"', listing)
    _post(session, base, "/patients/", listing, q=mrns[0])
    _post(session, base, "/patients/", listing, q=names[0][0])
    for patient_id in ids[:5]:
        assert session.get(f"{base}/patients/{patient_id}/", timeout=10).status_code == 200
    session.get(f"{base}/patients/{mrns[1]}/", timeout=10)  # typed into the URL: 404
    session.get(f"{base}/audit/?who={mrns[2]}", timeout=10)  # typed into a query string
    session.get(f"{base}/api/patients/{ids[0]}", timeout=10)
    requests.get(f"{base}/patients/{mrns[3]}/", timeout=10)  # anonymous

    time.sleep(0.5)  # let the access log flush
    text = log.read_text()
    assert '"GET /patients/' in text  # the access log is there
    for value in mrns[:4] + [n for pair in names[:3] for n in pair]:
        assert value not in text, f"{value!r} reached the server log"
