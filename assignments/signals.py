"""What this app announces to the apps above it, which it cannot import
(docs/decisions/0001-layers.md). Sent by ``assignments.services`` inside the transaction of
the change; a receiver that acts later queues its work on commit."""

from django.dispatch import Signal

# Assignments of these editions changed (a deadline, a maximum score, one added or
# deleted). Arguments: ``edition_ids``.
assignments_changed = Signal()
