"""Issue 10, case 7: crafted receipts say "invalid receipt", never 500; receipts survive a
rotation of SECRET_KEY through SECRET_KEY_FALLBACKS."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from submissions import receipts, services
from submissions.models import Submission

pytestmark = pytest.mark.django_db


def _tampered(receipt_json: str, **changes) -> str:
    return json.dumps({**json.loads(receipt_json), **changes})


# Each is a receipt's text as a hostile staff member (or a student's crafted file) sends it.
CRAFTED = {
    "non_ascii_signature": lambda r: _tampered(r, signature="é" * 64),
    "numeric_signature": lambda r: _tampered(r, signature=12345),
    "list_signature": lambda r: _tampered(r, signature=["a", "b"]),
    "null_signature": lambda r: _tampered(r, signature=None),
    "bool_version": lambda r: _tampered(r, version=True),
    "string_submission_id": lambda r: _tampered(r, submission_id="1"),
    "nested_brackets": lambda r: "[" * 200_000 + "]" * 200_000,
    "nested_objects": lambda r: '{"a":' * 5_000 + "1" + "}" * 5_000,
    "a_list": lambda r: "[1, 2, 3]",
    "a_number": lambda r: "42",
    "null": lambda r: "null",
    "extra_field": lambda r: _tampered(r, admin=True),
    "nul_bytes": lambda r: r.replace('"edition"', '"edi\\u0000tion"'),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_parse_says_invalid_receipt_for_crafted_text(world, name):
    with pytest.raises(receipts.InvalidReceipt, match="^Invalid receipt"):
        receipts.parse(CRAFTED[name](world.receipt_a))


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_the_verify_page_answers_400_invalid_receipt(world, name):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["ta"])

    response = client.post(
        reverse("submissions:verify-receipt"), {"text": CRAFTED[name](world.receipt_a)}
    )

    assert response.status_code == 400
    assert "Invalid receipt" in response.content.decode()


@pytest.mark.parametrize("name", ["non_ascii_signature", "nested_brackets", "not_utf8"])
def test_the_verify_command_says_invalid_receipt(world, tmp_path, name):
    path = tmp_path / "crafted.json"
    if name == "not_utf8":
        path.write_bytes(b"\xff\xfe{")
    else:
        path.write_text(CRAFTED[name](world.receipt_a))

    with pytest.raises(CommandError, match="^Invalid receipt"):
        call_command("verify_receipt", str(path))


def test_a_receipt_signed_before_a_key_rotation_still_verifies(world, settings):
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 32
    settings.SECRET_KEY_FALLBACKS = [old_secret]

    valid, message = services.receipt_verify(text=world.receipt_a)

    assert valid, message


def test_without_the_fallback_the_old_receipt_no_longer_verifies(world, settings):
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 32
    settings.SECRET_KEY_FALLBACKS = []

    valid, message = services.receipt_verify(text=world.receipt_a)

    assert not valid and "signature does not match" in message
    assert Submission.objects.filter(pk=world.sub_a.pk).exists()
