"""API errors: a Django ValidationError from a service becomes a 400 naming the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    if isinstance(exc, exceptions.PermissionDenied):
        exc = exceptions.NotFound()  # hidden records answer 404, never 403
    return drf_exception_handler(exc, context)
