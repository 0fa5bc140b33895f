"""The site's 400 page: parameters a view refused (learning.filters.RefusedParameters) are listed
in words; any other bad request (a forged host, a broken upload) says only that it was refused."""

from django.http import JsonResponse
from django.shortcuts import render

from learning.filters import RefusedParameters


def bad_request(request, exception):
    problems = exception.problems if isinstance(exception, RefusedParameters) else []
    return render(request, "400.html", {"problems": problems}, status=400)


class RefuseNulParametersMiddleware:
    """A NUL character in the address's parameters is refused for every page, download and API
    here, in one place: PostgreSQL cannot compare text holding one, so each form or filter that
    let it through answered 500 on PostgreSQL alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            problem = "The address holds a NUL character, which is never valid."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": problem}, status=400)
            raise RefusedParameters([problem])
        return self.get_response(request)
