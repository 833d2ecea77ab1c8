"""Submission receipts: what a student keeps as proof of hand-in. Pure: no ORM, no settings.

A receipt is a small JSON document. Its signature is an HMAC-SHA256, under a server key,
of the canonical form of every other field, so that staff can later check that a receipt
was issued by this server and was not edited (``manage.py verify_receipt``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

from courses import timeutils

RECEIPT_VERSION = 1


@dataclass(frozen=True)
class Receipt:
    receipt_version: int
    submission_id: int
    edition: str
    assignment_id: int
    assignment: str
    group: str
    version: int
    file_name: str
    size: int
    sha256: str
    submitted_at_utc: str  # ISO 8601, UTC, microseconds
    submitted_at_local: str  # ISO 8601 with the edition's offset
    time_zone: str
    submitted_by: str
    signature: str = ""

    def payload(self) -> bytes:
        fields = asdict(self)
        fields.pop("signature")
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


class InvalidReceipt(ValueError):
    """Not a receipt this module can read; the message starts with "Invalid receipt"."""


# A receipt is well under a kilobyte; anything far larger is not one (and is not parsed).
MAX_RECEIPT_CHARS = 64 * 1024
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_FIELD_TYPES: dict[str, type] = {f.name: (int if f.type == "int" else str) for f in fields(Receipt)}


def build(
    *,
    key: bytes,
    submission_id: int,
    edition: str,
    assignment_id: int,
    assignment: str,
    group: str,
    version: int,
    file_name: str,
    size: int,
    sha256: str,
    submitted_at: dt.datetime,
    time_zone: str,
    submitted_by: str,
) -> Receipt:
    unsigned = Receipt(
        receipt_version=RECEIPT_VERSION,
        submission_id=submission_id,
        edition=edition,
        assignment_id=assignment_id,
        assignment=assignment,
        group=group,
        version=version,
        file_name=file_name,
        size=size,
        sha256=sha256,
        submitted_at_utc=submitted_at.astimezone(dt.UTC).isoformat(),
        submitted_at_local=timeutils.to_local(submitted_at, time_zone).isoformat(),
        time_zone=time_zone,
        submitted_by=submitted_by,
    )
    return _with_signature(unsigned, key)


def _with_signature(receipt: Receipt, key: bytes) -> Receipt:
    signature = hmac.new(key, receipt.payload(), hashlib.sha256).hexdigest()
    return Receipt(**{**asdict(receipt), "signature": signature})


def parse(text: str) -> Receipt:
    """The receipt in ``text``, or ``InvalidReceipt``: never another exception, whatever the
    text (too long, too deeply nested, a list, a number, a field of the wrong type, a
    signature that is not 64 lowercase hexadecimal digits)."""
    if not isinstance(text, str):
        raise InvalidReceipt("Invalid receipt: not text.")
    if len(text) > MAX_RECEIPT_CHARS:
        raise InvalidReceipt(
            f"Invalid receipt: {len(text)} characters; a receipt has far fewer "
            f"(at most {MAX_RECEIPT_CHARS})."
        )
    try:
        document = json.loads(text)
    except RecursionError:
        raise InvalidReceipt("Invalid receipt: nested too deeply.") from None
    except ValueError as exc:
        raise InvalidReceipt(f"Invalid receipt: not JSON ({exc}).") from None
    if not isinstance(document, dict):
        raise InvalidReceipt("Invalid receipt: not a JSON object.")
    if set(document) != set(_FIELD_TYPES):
        missing = sorted(set(_FIELD_TYPES) - set(document))
        extra = sorted(set(document) - set(_FIELD_TYPES))
        raise InvalidReceipt(
            "Invalid receipt: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(extra)[:200]}" if extra else "",
                )
                if part
            )
            + "."
        )
    for name, kind in _FIELD_TYPES.items():
        value = document[name]
        # bool is an int to Python, not to a receipt.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InvalidReceipt(f"Invalid receipt: {name} must be {kind.__name__}.")
    if not _SIGNATURE.fullmatch(document["signature"]):
        raise InvalidReceipt(
            "Invalid receipt: the signature must be 64 lowercase hexadecimal digits."
        )
    return Receipt(**document)


def signature_valid(receipt: Receipt, keys: bytes | Sequence[bytes]) -> bool:
    """Whether ``receipt`` was signed under one of ``keys`` (the current key first, then
    those of ``SECRET_KEY_FALLBACKS``, so receipts survive a key rotation)."""
    for key in [keys] if isinstance(keys, bytes) else keys:
        expected = _with_signature(receipt, key).signature
        if hmac.compare_digest(expected.encode(), receipt.signature.encode()):
            return True
    return False


def message_id(*, submission_id: int, sha256: str, domain: str) -> str:
    """The Message-ID of a receipt's e-mail: the same for every attempt to send it, so a
    resend after a crash is the same message to mail servers and clients."""
    return f"<receipt.{submission_id}.{sha256[:16]}@{domain}>"
