"""Template filters for the justice pages and the menu."""

from django import template

register = template.Library()


@register.filter
def sees_operations(user) -> bool:
    """Whether the menu offers Operations: the police, and those who read totals."""
    if user is None or not user.is_authenticated:
        return False
    from lantern.justice.views import sees_totals

    return sees_totals(user)
