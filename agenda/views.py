"""The public course site: the list of editions, an edition's page and its archives."""

from django.shortcuts import render

from courses.permissions import edition_get_visible

from .selectors import edition_archives_page, edition_list_visible, edition_page


def edition_list(request):
    editions = edition_list_visible(user=request.user)
    return render(request, "agenda/edition_list.html", {"editions": editions})


def edition_detail(request, slug):
    edition = edition_get_visible(slug=slug, user=request.user)
    page = edition_page(edition=edition)
    return render(request, "agenda/edition_detail.html", {"edition": edition, "page": page})


def edition_archives(request, slug):
    edition = edition_get_visible(slug=slug, user=request.user)
    page = edition_archives_page(edition=edition)
    return render(request, "agenda/edition_archives.html", {"edition": edition, "page": page})
