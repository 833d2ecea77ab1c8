"""What this app announces to the apps above it, which it cannot import
(docs/decisions/0001-layers.md). Sent by ``submissions.services`` inside the transaction of
the change; a receiver that acts later queues its work on commit."""

from django.dispatch import Signal

# A new version was handed in (not a replayed one). Arguments: ``submission``.
submission_created = Signal()
