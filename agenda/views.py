"""The public course site: the list of editions, an edition's page and its archives.

Anonymous visitors of an edition's pages get a shared copy of the whole response
(``page_cache``); everyone else gets it rendered for them."""

from django.shortcuts import render

from courses.permissions import edition_get_visible

from . import page_cache
from .selectors import edition_archives_page, edition_list_visible, edition_page


def edition_list(request):
    editions = edition_list_visible(user=request.user)
    return render(request, "agenda/edition_list.html", {"editions": editions})


def edition_detail(request, slug):
    def rendered():
        edition = edition_get_visible(slug=slug, user=request.user)
        page = edition_page(edition=edition)
        return render(request, "agenda/edition_detail.html", {"edition": edition, "page": page})

    return page_cache.served(request, slug=slug, name="edition", render=rendered)


def edition_archives(request, slug):
    def rendered():
        edition = edition_get_visible(slug=slug, user=request.user)
        page = edition_archives_page(edition=edition)
        return render(request, "agenda/edition_archives.html", {"edition": edition, "page": page})

    return page_cache.served(request, slug=slug, name="archives", render=rendered)
