from django.shortcuts import render


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def server_error(request):
    """A friendly 500 in the visitor's language. The template stands alone (no menus, no database), since
    the error may come from the database itself."""
    from django.http import HttpResponseServerError
    from django.template import loader
    from django.utils.translation import get_language

    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"LANGUAGE_CODE": get_language()}))
