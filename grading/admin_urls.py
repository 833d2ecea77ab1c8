"""The grading workspace's admin views (``grading/admin/workspace.py``), mounted under
``/admin/grading/`` before the admin site's own URLs, each behind the admin's login."""

from django.contrib import admin
from django.urls import path

from .admin import workspace

app_name = "grading-admin"

urlpatterns = [
    path(
        "queue/<int:assignment_id>/",
        admin.site.admin_view(workspace.queue_view),
        name="queue",
    ),
    path(
        "queue/<int:assignment_id>/split/",
        admin.site.admin_view(workspace.queue_split_view),
        name="split",
    ),
    path(
        "workspace/<int:submission_id>/",
        admin.site.admin_view(workspace.workspace_view),
        name="workspace",
    ),
    path(
        "release/<int:assignment_id>/",
        admin.site.admin_view(workspace.release_view),
        name="release",
    ),
]
