"""A survivor's hidden address in the network: the place she lives is absent.

When a person's safe-contact settings hide her address from the reader
(`policy.hidden_addresses_among`), the place any link says she lives or stays at is, for that
reader, like a person they may not see: absent from every network page, graph, table, file
and API answer, with every link that touches it. Not greyed, not relabelled (a label saying
"hidden" would tell someone who typed the address that it is hers): absent. Any other label
or text that spells out one of her addresses loses it (`AddressMask`). Her lead worker on an
open plan sees everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from lantern.access import policy
from lantern.people.safety import NO_MASK, AddressMask, address_mask

from .models import EntityKind, Link, LinkKind

HIDDEN_PLACE = "Address hidden: ask the lead worker"
# The links that say where a person lives: the place at their other end is her address.
HOME_LINKS = frozenset({LinkKind.LIVES_AT})


@dataclass(frozen=True)
class NetworkMask:
    homes: frozenset[int] = frozenset()  # the places hidden people live at: absent
    text: AddressMask = NO_MASK

    def __bool__(self) -> bool:
        return bool(self.homes) or bool(self.text)

    def label(self, entity_id: int, label: str) -> str:
        """The entity's label as the reader may see it (a home is never shown: callers
        leave it out with `hides`; should one slip through, it is named only as hidden)."""
        if entity_id in self.homes:
            return HIDDEN_PLACE
        return self.text.any_text(label)

    def hides(self, entity_id: int) -> bool:
        return entity_id in self.homes

    def keeps_link(self, source_id: int, target_id: int) -> bool:
        return source_id not in self.homes and target_id not in self.homes


NO_NETWORK_MASK = NetworkMask()


def network_mask(*, user, entities: Iterable[tuple[int, str, int | None]]) -> NetworkMask:
    """The mask for the entities a page shows, as (id, kind, person id). A place is her home
    when any link says she lives there, whether or not the page shows that link (a page
    filtered to places still hides her home). One query when nobody shown has a hidden
    address and no place is shown; a few more otherwise."""
    entities = list(entities)
    people = {person for _, _, person in entities if person is not None}
    places = {pk for pk, kind, _ in entities if kind == EntityKind.LOCATION}
    residents: dict[int, set[int]] = defaultdict(set)
    if places:
        rows = Link.objects.filter(kind__in=HOME_LINKS).filter(
            Q(source_id__in=places, target__person__isnull=False)
            | Q(target_id__in=places, source__person__isnull=False)
        )
        for source, target, source_person, target_person in rows.values_list(
            "source_id", "target_id", "source__person_id", "target__person_id"
        ):
            if source in places and target_person is not None:
                residents[source].add(target_person)
            if target in places and source_person is not None:
                residents[target].add(source_person)
    everyone = people.union(*residents.values())
    hidden = policy.hidden_addresses_among(user, everyone)
    if not hidden:
        return NO_NETWORK_MASK
    homes = frozenset(place for place, living in residents.items() if living & hidden)
    return NetworkMask(homes, address_mask(user=user, person_ids=hidden))
