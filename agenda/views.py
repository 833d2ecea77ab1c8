from django.http import HttpResponse


def edition_list(request):
    return HttpResponse("Lectern")


def edition_detail(request, slug):
    return HttpResponse(slug)
