from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms.sitemaps import PublicSitemap
from cms.views import favicon_ico, robots_txt
from operations.api import urls as operations_api_urls
from operations.views.accounts import TaipeiPassCallbackView
from operations.views.staff import StaffLoginView

from .api import api_router

# Outside the language prefix: the admin, the APIs, documents and the sitemap.
urlpatterns = [
    # One sign-in for the back-office and the Wagtail admin: the admin's log-in page is the staff log-in
    # (CAPTCHA, lock-out, second factor), answered here rather than redirected.
    path("admin/login/", StaffLoginView.as_view(), name="staff_admin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/operations/", include(operations_api_urls)),
    # The OpenAPI 3 schema of /api/operations/ (YAML; ?format=json for JSON) and its docs (README "The API").
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema", template_name="api/swagger_ui.html"),
         name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema", template_name="api/redoc.html"),
         name="api_redoc"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("favicon.ico", favicon_ico, name="favicon_ico"),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": PublicSitemap}}),
    path("i18n/setlang/", set_language, name="set_language"),
    path("captcha/", include("captcha.urls")),
    path("oidc/taipeipass/callback/", TaipeiPassCallbackView.as_view(), name="taipeipass_callback"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# "/" is Traditional Chinese, "/en/" English.
urlpatterns += i18n_patterns(
    path("backoffice/", include("operations.urls.backoffice")),
    path("volunteer/", include("operations.urls.volunteer")),
    path("", include("cms.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

handler400 = "operations.views.errors.bad_request"
handler403 = "operations.views.errors.permission_denied"
handler404 = "operations.views.errors.page_not_found"
handler500 = "operations.views.errors.server_error"
