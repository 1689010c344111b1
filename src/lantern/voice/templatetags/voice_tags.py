"""For the menu: `{% load voice_tags %}{% if user|sees_voice %}...{% endif %}` offers Voice
to those who see the partnership's view (access.py, rule 3)."""

from django import template

from lantern.voice import access

register = template.Library()


@register.filter
def sees_voice(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return access.sees_partnership_view(user)
