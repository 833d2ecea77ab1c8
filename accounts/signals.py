"""What this app announces to the apps above it, which it cannot import
(docs/decisions/0001-layers.md). Sent by ``accounts.services`` after the change commits."""

from django.dispatch import Signal

# A user's name or other shown details changed. Arguments: ``user_id``.
user_changed = Signal()
