"""The riders' answer as HTML, fast: each station's card is built once from its row per
version of the stations and per set of amenities asked (kept on the finder's index, so a
change of any station drops them all), and only the state and the distance are written in
per answer. The riders' page is the busiest page of the site (1,000 answers a second is the
target), and the template engine spent most of an answer on the cards' links and chips.

The map's points are kept the same way, as the JSON each card's point is in the page's
`<script id="station-points">` (open and closed), so an answer joins them instead of
encoding a list (json_script was a tenth of an answer)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import finder, queries
from .models import ServiceStation, amenity_mask

# what django.utils.html.json_script escapes (test_fast checks the page is the same)
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def script_json(value: Any) -> str:
    """`value` as django.utils.html.json_script writes it inside its element."""
    return json.dumps(value, cls=DjangoJSONEncoder).translate(SCRIPT_ESCAPES)


@dataclass(frozen=True)
class Card:
    """A station's card and map point as text, by its state: [closed, open]."""

    station_id: int
    heads: tuple[str, str]  # `<li>` up to the distance
    middles: tuple[str, str]  # from the distance to the state's text
    rest: str  # after the state's text: the chips, the address, the links, `</li>`
    points: tuple[str, str]  # the map's point, JSON (script_json)


def _card(station: ServiceStation, wanted: list[str]) -> Card:
    url = reverse("stations:station", args=[station.pk])
    chips = format_html_join(
        "",
        '<li class="chip{}">{}</li>',
        ((" chip-wanted" if a.value in wanted else "", a.label) for a in station.amenity_list),
    )
    walk = queries.walk_url(lon=station.lon, lat=station.lat, name=station.name)
    rest = format_html(
        '</p><ul class="chips">{}</ul><p class="muted">{}</p><p class="station-links">'
        '<a class="button" href="{}" rel="noopener" target="_blank">步行导航</a> '
        '<a href="{}">驿站详情</a></p></li>',
        chips,
        station.address,
        walk,
        url,
    )
    name_link = format_html('<a class="station-name" href="{}">{}</a>', url, station.name)
    point = {
        "id": station.pk,
        "name": station.name,
        "lon": station.lon,
        "lat": station.lat,
        "url": url,
    }

    def head(is_open: bool) -> str:
        return (
            f'<li class="station-card{"" if is_open else " is-closed"}" '
            f'data-station="{station.pk}"><div class="station-head">{name_link}'
            '<span class="station-distance">'
        )

    return Card(
        station_id=station.pk,
        heads=(head(False), head(True)),
        middles=(
            '</span></div><p class="station-state closed">',
            '</span></div><p class="station-state open">',
        ),
        rest=rest,
        points=(script_json({**point, "open": False}), script_json({**point, "open": True})),
    )


@functools.lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    """A state's text escaped (a few texts: 开放中，今天 20:00 关门, ...)."""
    return escape(text)


def cards_for(index: finder.StationIndex, hits: list[queries.Hit], wanted: list[str]) -> list[Card]:
    """The card of each hit that still exists, in the hits' order."""
    mask = amenity_mask(wanted)
    cards = index.cards
    missing = [h.station_id for h in hits if (h.station_id, mask) not in cards]
    if missing:
        for station in ServiceStation.objects.filter(pk__in=missing):
            cards[station.pk, mask] = _card(station, wanted)
    found = [cards.get((h.station_id, mask)) for h in hits]
    return [c for c in found if isinstance(c, Card)]


def render(index: finder.StationIndex, hits: list[queries.Hit], wanted: list[str]) -> SafeString:
    """The `<li>` of each hit that still exists, nearest first."""
    mask = amenity_mask(wanted)
    cards_for(index, hits, wanted)
    parts: list[str] = []
    for hit in hits:
        card = index.cards.get((hit.station_id, mask))
        if not isinstance(card, Card):
            continue
        # plain joining of text escaped once: the card's parts are escaped when built, the
        # distance is digits and the state's text is escaped here (format_html was a fifth
        # of an answer)
        state = hit.state.is_open
        parts += (card.heads[state], hit.distance, card.middles[state], _escaped(hit.state.text))
        parts.append(card.rest)
    # each part is escaped above
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


def points_script(index: finder.StationIndex, nearby: queries.Nearby) -> SafeString:
    """The map's points of the answer (its stations, then the rider) as the page's
    `<script id="station-points" type="application/json">`: what json_script writes of the
    list, joined from the cards' JSON (render has made the cards)."""
    mask = amenity_mask(nearby.amenities)
    made = []
    for hit in (*nearby.open, *nearby.closed):
        card = index.cards.get((hit.station_id, mask))
        if isinstance(card, Card):
            made.append(card.points[hit.state.is_open])
    # the point is finite (queries.check_point): repr is what json.dumps writes of a float
    made.append(f'{{"you": true, "lon": {float(nearby.lon)!r}, "lat": {float(nearby.lat)!r}}}')
    # JSON escaped for a script element (script_json)
    return mark_safe(  # noqa: S308  # nosec B308 B703
        f'<script id="station-points" type="application/json">[{", ".join(made)}]</script>'
    )
