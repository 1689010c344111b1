"""The safe-contact panel for any page that shows a person:

    {% load support_tags %}
    {% safe_contact_panel person %}

It shows her settings in force to anyone who may contact her (the selector decides, and
audits the look), prominently, before anything else about her; and nothing to anyone else
or when none were recorded."""

from django import template

register = template.Library()


@register.inclusion_tag("support/_safe_contact.html", takes_context=True)
def safe_contact_panel(context, person):
    from lantern.support.selectors import safe_contact_for

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    found = None
    if person is not None and user is not None and getattr(user, "is_authenticated", False):
        found = safe_contact_for(user=user, person=person)
    return {"safe_contact": found, "person": person}
