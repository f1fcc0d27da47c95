from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from jiceng.accounts.access import signed_in


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    return redirect("orgs:tree")
