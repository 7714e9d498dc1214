"""What the OpenAPI schema covers: our API under /api/operations/ (staff and public). Wagtail's page API
(/api/v2/) is documented by Wagtail and left out."""


def only_our_endpoints(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/operations/")]
