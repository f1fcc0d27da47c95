"""The riders' answer as HTML, fast: each station's card is built once from its row per
version of the stations and per set of amenities asked (kept on the finder's index, so a
change of any station drops them all), and only the state and the distance are written in
per answer. The riders' page is the busiest page of the site (1,000 answers a second is the
target), and the template engine spent most of an answer on the cards' links and chips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import finder, queries
from .models import ServiceStation, amenity_mask


@dataclass(frozen=True)
class Card:
    name_link: SafeString
    rest: SafeString  # the chips, the address, the links
    point: dict[str, Any]  # for the map


def _card(station: ServiceStation, wanted: list[str]) -> Card:
    url = reverse("stations:station", args=[station.pk])
    chips = format_html_join(
        "",
        '<li class="chip{}">{}</li>',
        ((" chip-wanted" if a.value in wanted else "", a.label) for a in station.amenity_list),
    )
    walk = queries.walk_url(lon=station.lon, lat=station.lat, name=station.name)
    rest = format_html(
        '<ul class="chips">{}</ul><p class="muted">{}</p><p class="station-links">'
        '<a class="button" href="{}" rel="noopener" target="_blank">步行导航</a> '
        '<a href="{}">驿站详情</a></p>',
        chips,
        station.address,
        walk,
        url,
    )
    return Card(
        name_link=format_html('<a class="station-name" href="{}">{}</a>', url, station.name),
        rest=rest,
        point={
            "id": station.pk,
            "name": station.name,
            "lon": station.lon,
            "lat": station.lat,
            "url": url,
        },
    )


def cards_for(index: finder.StationIndex, hits: list[queries.Hit], wanted: list[str]) -> list[Card]:
    mask = amenity_mask(wanted)
    missing = [h.station_id for h in hits if (h.station_id, mask) not in index.cards]
    if missing:
        for station in ServiceStation.objects.filter(pk__in=missing):
            index.cards[station.pk, mask] = _card(station, wanted)
    found = [index.cards.get((h.station_id, mask)) for h in hits]
    return [c for c in found if isinstance(c, Card)]


def render(index: finder.StationIndex, hits: list[queries.Hit], wanted: list[str]) -> SafeString:
    """The `<li>` of each hit that still exists, nearest first."""
    cards = cards_for(index, hits, wanted)
    by_id = {c.point["id"]: c for c in cards}
    parts = []
    for hit in hits:
        card = by_id.get(hit.station_id)
        if card is None:
            continue
        # plain formatting of text escaped once: the card's parts are safe strings, the
        # distance is digits and the state's text is escaped here (format_html was a fifth
        # of an answer)
        is_open = hit.state.is_open
        parts.append(
            f'<li class="station-card{"" if is_open else " is-closed"}" '
            f'data-station="{hit.station_id}"><div class="station-head">{card.name_link}'
            f'<span class="station-distance">{hit.distance}</span></div>'
            f'<p class="station-state {"open" if is_open else "closed"}">'
            f"{escape(hit.state.text)}</p>{card.rest}</li>"
        )
    # each part is escaped above
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


def points(index: finder.StationIndex, nearby: queries.Nearby) -> list[dict[str, Any]]:
    mask = amenity_mask(nearby.amenities)
    made = []
    for hit in (*nearby.open, *nearby.closed):
        card = index.cards.get((hit.station_id, mask))
        if isinstance(card, Card):
            made.append({**card.point, "open": hit.state.is_open})
    return made
