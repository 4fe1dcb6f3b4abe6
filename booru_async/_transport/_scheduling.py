"""The scheduling layer: wait for a rate-limit slot, send, classify the answer once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from .._options import options_of
from .._scheduler import Scheduler
from .._sites import Site
from .._stats import Counters
from .._verdict import EXTENSION, Verdict, classify

__all__ = ["SchedulerTransport"]


class SchedulerTransport(httpx.AsyncBaseTransport):
    """Waits for a slot for each request, then hands the scheduler the answer's verdict.

    The verdict (:func:`booru_async._verdict.classify`) is left on the response for the
    layers above, so the retry decision, the stats and the error raised all agree with
    what the scheduler did.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        scheduler: Scheduler,
        site: Site,
        counters: Counters,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._inner = inner
        self._scheduler = scheduler
        self._site = site
        self._counters = counters
        self._clock = clock
        self._wall_clock = wall_clock
        self._cdn_sites: dict[str, Site] = {}

    def _site_for(self, host: str) -> Site:
        """The API site, or a CDN host as a site of its own with the profile's CDN budget."""
        if host == self._site.host:
            return self._site
        cdn = self._cdn_sites.get(host)
        if cdn is None:
            budgets = {"cdn": self._site.budgets["cdn"]} if "cdn" in self._site.budgets else {}
            cdn = Site(
                name=f"{self._site.name} files ({host})",
                base_url=f"https://{host}",
                flavour=self._site.flavour,
                budgets=budgets,
            )
            self._cdn_sites[host] = cdn
        return cdn

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options = options_of(request)
        site = self._site_for(request.url.host)
        group = options.group if site is self._site else "cdn"
        started = self._clock()
        ticket = await self._scheduler.acquire(
            site,
            group,
            priority=options.priority,
            max_wait=options.max_wait,
            max_pause=options.max_pause,
        )
        waited = self._clock() - started
        if waited > 0.001:
            self._counters.add(waits=1, wait_time=waited)
        self._counters.add(requests=1)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.ConnectError:
            self._scheduler.refund(ticket)  # it never reached the server
            raise
        except BaseException:
            self._scheduler.settle(ticket, None)  # it may have reached the server
            raise
        body = b""
        if response.status_code >= 400:
            try:
                body = await response.aread()
            except BaseException:
                self._scheduler.settle(ticket, self._classify(response, b""))
                raise
        verdict = self._classify(response, body)
        self._scheduler.settle(ticket, verdict)
        self._count(verdict, site)
        response.extensions = {**response.extensions, EXTENSION: verdict}
        return response

    def _classify(self, response: httpx.Response, body: bytes) -> Verdict:
        return classify(response.status_code, response.headers, body, now=self._wall_clock())

    def _count(self, verdict: Verdict, site: Site) -> None:
        if verdict.kind == "rate_limited":
            self._counters.add(rate_limited=1)
        elif verdict.kind == "challenge":
            self._counters.add(challenges=1)
        elif verdict.kind == "empty_500" and self._scheduler.is_banned(site):
            self._counters.add(bans=1)

    async def aclose(self) -> None:
        await self._inner.aclose()
