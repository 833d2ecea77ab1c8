"""Composition of the course agenda: lectures and events (``courses``) with deadlines
(``assignments``). Nothing below imports this app."""
