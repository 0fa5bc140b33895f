"""The site's 400 page: parameters a view refused (learning.filters.RefusedParameters) are listed
in words; any other bad request (a forged host, a broken upload) says only that it was refused."""

from django.shortcuts import render

from learning.filters import RefusedParameters


def bad_request(request, exception):
    problems = exception.problems if isinstance(exception, RefusedParameters) else []
    return render(request, "400.html", {"problems": problems}, status=400)
