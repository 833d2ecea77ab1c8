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
from dataclasses import asdict, dataclass

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
    pass


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
    try:
        fields = json.loads(text)
        return Receipt(**fields)
    except (ValueError, TypeError) as exc:
        raise InvalidReceipt(f"Not a Lectern receipt: {exc}") from exc


def signature_valid(receipt: Receipt, key: bytes) -> bool:
    expected = _with_signature(receipt, key).signature
    return hmac.compare_digest(expected, receipt.signature)


def message_id(*, submission_id: int, sha256: str, domain: str) -> str:
    """The Message-ID of a receipt's e-mail: the same for every attempt to send it, so a
    resend after a crash is the same message to mail servers and clients."""
    return f"<receipt.{submission_id}.{sha256[:16]}@{domain}>"
