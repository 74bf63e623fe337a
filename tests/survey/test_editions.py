"""Running an edition: respondent links, one response per organization, drafts,
validation, immutable submissions with versioned amendments, duplicates, closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from hygeia.survey import editions
from hygeia.survey.models import ImmutableError, Invitation, Response, ResponseVersion
from tests.survey.conftest import answers

pytestmark = pytest.mark.django_db


def test_the_link_is_emailed_hashed_and_expires(edition, invite, smtp, client):
    invitation, token = invite(domain="riverbend.example.org")
    ((_, body),) = smtp.messages
    assert f"/respond/{token}/" in body and "one response per organization" in body.lower()
    assert token not in invitation.token_hash and len(token) >= 40
    assert client.get(f"/respond/{token}/").status_code == 200
    assert client.get(f"/respond/{token[:-2]}xx/").status_code == 404
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    assert client.get(f"/respond/{token}/").status_code == 404


def test_a_new_link_replaces_the_old_one_and_keeps_the_response(edition, invite, client):
    invitation, old = invite()
    editions.save(invitation, {"role": "executive"}, submit=False)
    new = editions.invite(edition, invitation.participant)
    assert client.get(f"/respond/{old}/").status_code == 404
    page = client.get(f"/respond/{new}/").content.decode()
    assert 'value="executive" checked' in page  # the draft survived
    assert Response.objects.filter(edition=edition).count() == 1


def test_submitting_needs_the_required_answers_and_valid_values(edition, invite):
    invitation, _ = invite()
    result = editions.save(invitation, {"role": "executive", "region": "mars"}, submit=True)
    assert result.version is None
    assert "region" in result.errors and "org_type" in result.missing
    result = editions.save(invitation, answers(), submit=True)
    assert result.version is not None and result.version.number == 1
    assert result.version.digest == ResponseVersion.digest_of(result.version.answers)


def test_answers_hidden_by_skip_logic_are_not_kept(edition, invite):
    invitation, _ = invite()
    result = editions.save(invitation, answers(ransomware="no", ransom_paid="yes"), submit=True)
    assert "ransom_paid" not in result.version.answers


def test_a_submitted_version_never_changes_and_amendments_are_versions(edition, invite, client):
    invitation, token = invite()
    first = editions.save(invitation, answers(), submit=True).version
    first.answers = {"role": "forged"}
    with pytest.raises(ImmutableError):
        first.save()
    with pytest.raises(ImmutableError):
        first.delete()
    with pytest.raises(editions.SurveyError, match="why"):
        editions.save(invitation, {"insider_program": "yes"}, submit=True)
    second = editions.save(
        invitation, {"insider_program": "yes"}, submit=True, reason="program approved in May"
    ).version
    assert second.number == 2 and second.answers["insider_program"] == "yes"
    assert ResponseVersion.objects.get(pk=first.pk).answers["insider_program"] == "no"
    download = client.get(f"/respond/{token}/response.csv").content.decode()
    assert first.digest in download and second.digest in download


def test_the_respondent_page_submits_through_the_form(edition, invite, client):
    _, token = invite()
    post = {f"q-{k}": v for k, v in answers().items()} | {"submit": "1"}
    response = client.post(f"/respond/{token}/", post, follow=True)
    assert "Submitted (version 1" in response.content.decode()
    assert Response.objects.get(edition=edition).current.number == 1


def test_a_closed_edition_takes_no_more_answers_but_serves_downloads(edition, invite, client):
    invitation, token = invite()
    editions.save(invitation, answers(), submit=True)
    for _ in range(5):
        other, _ = invite()
        editions.save(other, answers(ai_approval_process="no"), submit=True)
    assert editions.close(edition) == 6
    with pytest.raises(editions.SurveyError, match="closed"):
        editions.save(invitation, answers(), submit=False)
    with pytest.raises(editions.SurveyError, match="closed"):
        editions.invite(edition, invitation.participant)
    pdf = client.get(f"/respond/{token}/benchmark.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(pdf.content)).pages)
    assert "Our answer" in text and "All respondents" in text and "Yes 16.7%" in text


def test_duplicate_organizations_are_caught(db):
    editions.register("Riverbend Community Hospital", "ciso@riverbend.example.org")
    with pytest.raises(editions.SurveyError, match="possible duplicate"):
        editions.register("Riverbend Community Hospital, Inc.", "it@other.example.org")
    with pytest.raises(editions.SurveyError, match="possible duplicate"):
        editions.register("RCH Health", "someone@riverbend.example.org")  # same domain
    # a public mail domain is no sign of the same organization
    editions.register("Sandhill Rural Hospital", "sandhill.it@gmail.com")
    editions.register("Northwind Health Plan", "northwind.sec@gmail.com")
    editions.register("Riverbend Community Hospital", "x@rb2.example.org", confirmed_distinct=True)


def test_one_response_per_organization_per_edition(edition, invite):
    invitation, _ = invite()
    editions.save(invitation, answers(), submit=True)
    editions.invite(edition, invitation.participant)
    fresh = Invitation.objects.get(edition=edition, participant=invitation.participant)
    editions.save(fresh, {"ransomware": "yes"}, submit=True, reason="correction")
    assert Response.objects.filter(edition=edition).count() == 1
    assert ResponseVersion.objects.filter(response__edition=edition).count() == 2


def test_the_organizer_invites_again_from_an_earlier_edition_without_seeing_answers(
    edition, invite, make_user, smtp
):
    from tests.conftest import signed_in_client

    invitation, _ = invite(name="Riverbend Community Hospital", domain="riverbend.example.org")
    editions.save(invitation, answers(ransomware="yes", ransom_paid="yes"), submit=True)
    editions.close(edition)
    later = editions.create_edition(
        "2027", "Survey 2027", 2027, edition.closes_on.replace(year=2099)
    )
    organizer = signed_in_client(make_user("sol", "Survey Organizer"))
    page = organizer.get("/survey/editions/2027/").content.decode()
    assert "Invite an organization from earlier editions (1)" in page
    duplicate = organizer.post(
        "/survey/editions/2027/invite/",
        {"name": "Riverbend Community Hospital", "email": "new@riverbend.example.org"},
        follow=True,
    ).content.decode()
    assert "possible duplicate of Riverbend Community Hospital" in duplicate
    organizer.post("/survey/editions/2027/invite/", {"participant": invitation.participant.pk})
    assert later.invitations.get().participant == invitation.participant
    assert smtp.messages[-1][0] == ["ciso@riverbend.example.org"]
    page = organizer.get("/survey/editions/2026/").content.decode()
    assert "Riverbend Community Hospital" in page and "submitted" in page
    assert "ransom" not in page.lower()  # progress, never answers
