"""SM311 personal-phone and SM312 personal-email."""

from __future__ import annotations

import pytest

from auditor.checkers.contact_info import PersonalEmail, PersonalPhone
from tests.auditor.checkers.privacy_context import post, privacy_context


def run(checker, item, **options):
    return list(checker().check(item, privacy_context(**options)))


@pytest.mark.parametrize("text,number", [
    ("Text me at 416-555-0199 with questions", "416-555-0199"),
    ("Call my cell (647) 555-0123 if the bus is late", "(647) 555-0123"),
    ("WhatsApp: +1 905 555 0186", "+1 905 555 0186"),
    ("Our mentor's number: 905.555.0163 (cell)", "905.555.0163"),
    ("Signal/phone 289-555-0155", "289-555-0155"),
    ("cell 6475550123", "6475550123"),
    ("Ping me on 1-905-555-0121", "1-905-555-0121"),
    ("Call me: 905 5550123", "905 5550123"),
])
def test_personal_numbers(text, number):
    [f] = run(PersonalPhone, post(text))
    assert f.spans[0].text == number and f.confidence == "high" and f.category == "contact-info"


@pytest.mark.parametrize("text", [
    "Kids Help Phone: 1-800-668-6868",
    "Telehealth: 1 866 797 0000",
    "Call the main office at 905-555-0100.",
    "Guidance: 905-555-0102, ext. 2204",
    "Call the Distress Centre at 905-849-4541 any time",
    "Pi: 3.14159 26535 89793",
    "Scores: 905-555 tonight",
    "Order 6475550123 shipped",             # ten digits, no word saying it is a phone
    "See https://example.org/905-555-0199",
    "Report absences to 905-555-0111 before 8 am",
])
def test_not_personal_numbers(text):
    assert run(PersonalPhone, post(text)) == []


def test_unlabelled_number_depends_on_the_account_kind():
    text = "Questions? 416-555-0199"
    [f] = run(PersonalPhone, post(text, account="MsLeeGr4"))
    assert f.confidence == "medium"
    assert run(PersonalPhone, post(text, account="RiversideSS")) == []
    # A personal word still wins on a school account.
    assert run(PersonalPhone, post("Text me: 416-555-0199", account="RiversideSS"))


def test_profile_bio_is_checked_but_followed_accounts_are_not():
    profile = {"type": "profile", "platform": "x", "account": "MsLeeGr4", "id": "pr", "name": "Ms. Lee",
               "bio": "Grade 4 · cell/text 905-555-0148"}
    [f] = run(PersonalPhone, profile)
    assert f.spans[0].field == "bio"
    follow = {"type": "follow", "platform": "x", "account": "MsLeeGr4", "id": "f",
              "target": {"handle": "plumber", "bio": "call me 905-555-0111 ada@gmail.com"}}
    assert PersonalPhone.item_types >= {"profile"} and "follow" not in PersonalPhone.item_types
    assert "follow" not in PersonalEmail.item_types
    assert list(PersonalPhone().check(follow, privacy_context())) == []


@pytest.mark.parametrize("text,address", [
    ("Email me at ada.lee88@gmail.com", "ada.lee88@gmail.com"),
    ("Questions: ADA@Yahoo.CA", "ADA@Yahoo.CA"),
    ("photos to adalee [at] outlook [dot] com", "adalee [at] outlook [dot] com"),
    ("reach me: adalee (at) gmail.com", "adalee (at) gmail.com"),
    ("reach me: adalee at gmail dot com", "adalee at gmail dot com"),
])
def test_personal_emails(text, address):
    [f] = run(PersonalEmail, post(text))
    assert f.spans[0].text == address


@pytest.mark.parametrize("text", [
    "Report cards: a.lee@board.example",
    "Library: library@oakwood.board.example",        # a board subdomain
    "Follow my travels @ada@mastodon.social",          # fediverse handle
    "Look at example.com for details",
    "Meet at the school at 9, dot your i's",
    "Email me at my board address",
])
def test_not_personal_emails(text):
    assert run(PersonalEmail, post(text)) == []


def test_configured_board_domain_and_role_mailbox():
    assert run(PersonalEmail, post("Write to trips@partner.example"))
    assert run(PersonalEmail, post("Write to trips@partner.example"), board_domains=["partner.example"]) == []
    [role] = run(PersonalEmail, post("Info: info@museum.example"))
    assert role.confidence == "medium"


def test_endorsed_email_carries_via():
    like = {"type": "like", "platform": "x", "account": "MsLeeGr4", "id": "l",
            "post": {"text": "DM or email coach.ben@hotmail.com"}}
    [f] = run(PersonalEmail, like)
    assert f.via == "like" and f.spans[0].field == "post.text"
