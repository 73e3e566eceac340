"""The delivery worker: claims due jobs, signs each POST, sends it, records what happened.

`DeliveryWorker.run_once` claims due ``Delivery`` rows (never rows of a parked host, of
a host already at its limit here, or rows another worker holds) and starts each as a
task posting through the shared `SafeHttpClient` (pooled keep-alive connections), with
at most ``concurrency`` requests in flight and ``per_host_concurrency`` per host. Each
task writes its outcome as soon as it has one (successes finishing together share one
write); what each status means and when to retry live in `outbox.lifecycle`.

Each POST is signed by the sending actor with `DoubleKnockSigner` (RFC 9421 first,
draft-cavage when the host refuses it); the generation a host accepted is kept in
``Domain.signature_generation`` and knocked with first from then on, by every worker.

The lease a worker takes on a job outlasts two knocks of the request timeout; a job
whose lease ran short while it waited for its host's slot is handed back untried, so no
job is ever on the wire after its lease ended. A worker that dies mid-request simply lets
its lease run out and the job is sent again: at least once on the wire, recorded as
delivered once. A worker told to stop lets the deliveries it started finish first.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.expressions import F, Q

from federation.double_knock import DoubleKnockSigner, origin_of
from federation.errors import FetchError, UnsafeURLError
from federation.http_client import SafeHttpClient
from federation.keys import KeyFormatError, load_private_key_pem
from fediserver.clock import utcnow
from fediserver.models import Account, Activity, Delivery, DeliveryState, Domain
from fediserver.models.queue import claim_due
from outbox.lifecycle import HOST_FAILURES, TRANSITIONS, HostHealth, Outcome, RetrySchedule, classify

if TYPE_CHECKING:
    from fediserver.config import Settings
    from fediserver.services import Services

log = logging.getLogger(__name__)

DELIVERY_HEADERS = {
    "content-type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "accept": "application/activity+json, application/ld+json",
}
# Signers (with their parsed keys) kept per worker; an instance has few posting actors.
MAX_CACHED_SIGNERS = 1_000


@dataclass(frozen=True)
class DeliveryConfig:
    batch_size: int = 100
    concurrency: int = 20
    per_host_concurrency: int = 4
    request_timeout_seconds: float = 10.0
    schedule: RetrySchedule = RetrySchedule()
    health: HostHealth = HostHealth()

    @property
    def lease_seconds(self) -> float:
        """Long enough for a wait in line plus two knocks, each bounded by the timeout."""
        return 3 * self.request_timeout_seconds + 5

    @property
    def lease_needed_to_send(self) -> timedelta:
        return timedelta(seconds=2 * self.request_timeout_seconds + 1)


def delivery_config(settings: Settings) -> DeliveryConfig:
    delivery = settings.delivery
    return DeliveryConfig(
        batch_size=delivery.batch_size,
        concurrency=delivery.concurrency,
        per_host_concurrency=delivery.per_host_concurrency,
        request_timeout_seconds=settings.federation.request_timeout_seconds,
        schedule=RetrySchedule(
            first_retry_seconds=delivery.first_retry_seconds,
            max_retry_seconds=delivery.max_retry_seconds,
            max_attempts=delivery.max_attempts,
            give_up_after=timedelta(hours=delivery.give_up_after_hours),
        ),
        health=HostHealth(park_after_failures=delivery.park_after_failures, park_seconds=delivery.park_seconds),
    )


@dataclass
class Attempt:
    """What happened to one job (outcome None: handed back untried)."""

    job: Delivery
    outcome: Outcome | None
    status: int | None = None
    error: str | None = None
    generation: str | None = None


class DeliveryWorker:
    """The ``deliveries`` job kind.

    Deliveries run as tasks in the background: `run_once` claims as many due jobs as
    there are free slots and starts them, so one slow host never holds up the others.
    """

    name = "deliveries"

    def __init__(
        self,
        http: SafeHttpClient,
        config: DeliveryConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
        owns_client: bool = False,
    ) -> None:
        self.http = http
        self._owns_client = owns_client
        self.config = config
        self.clock = clock
        self._signers: dict[int, DoubleKnockSigner] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._host_load: Counter[str] = Counter()
        self._delivered: list[tuple[Attempt, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Start up to one batch of due jobs; waits for a free slot when all are taken."""
        while len(self._in_flight) >= self.config.concurrency:
            await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        now = self.clock()
        busy = [host for host, load in self._host_load.items() if load >= self.config.per_host_concurrency]
        skipped = [*await Domain.filter(parked_until__gt=now).values_list("name", flat=True), *busy]
        jobs = await claim_due(
            Delivery,
            due_field="next_attempt_at",
            batch=min(self.config.batch_size, self.config.concurrency - len(self._in_flight)),
            lease_seconds=self.config.lease_seconds,
            now=now,
            exclude=Q(domain__in=skipped) if skipped else None,
            state=DeliveryState.QUEUED,
        )
        if not jobs:
            return 0
        activities = {a.id: a for a in await Activity.filter(id__in={job.activity_id for job in jobs})}
        actors = {a.id: a for a in await Account.filter(id__in={a.actor_id for a in activities.values()})}
        domains = await _domains({job.domain for job in jobs})
        bodies = {pk: json.dumps(a.payload, separators=(",", ":")).encode() for pk, a in activities.items()}
        for job in jobs:
            actor = actors.get(activities[job.activity_id].actor_id)
            self._host_load[job.domain] += 1
            task = asyncio.create_task(self._deliver(job, actor, bodies[job.activity_id], domains[job.domain]))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(jobs)

    async def drain(self) -> None:
        """Wait until every started delivery has finished and been recorded."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight)

    async def aclose(self) -> None:
        """Let started deliveries finish; any still running after a lease are cancelled
        (their leases run out and they are sent again later). Closes the worker's own client."""
        try:
            async with asyncio.timeout(self.config.lease_seconds):
                await self.drain()
        except TimeoutError:
            for task in self._in_flight:
                task.cancel()
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._owns_client:
            await self.http.aclose()

    async def _deliver(self, job: Delivery, actor: Account | None, body: bytes, domain: Domain) -> None:
        slot = self._per_host.setdefault(job.domain, asyncio.Semaphore(self.config.per_host_concurrency))
        try:
            async with slot:
                attempt = await self._attempt(job, actor, body, domain)
            await self._record(attempt, domain)
        except Exception:
            # The lease runs out and another attempt follows; nothing is lost.
            log.exception("delivery %s to %s could not be completed", job.pk, job.inbox_url)
        finally:
            self._host_load[job.domain] -= 1
            if not self._host_load[job.domain]:
                del self._host_load[job.domain]
                self._per_host.pop(job.domain, None)

    async def _attempt(self, job: Delivery, actor: Account | None, body: bytes, domain: Domain) -> Attempt:
        if domain.blocked:
            return Attempt(job, Outcome.REFUSED, error=f"host {domain.name} is blocked")
        if job.claimed_until - self.clock() < self.config.lease_needed_to_send:
            return Attempt(job, None)
        try:
            signer = self._signer(actor)
        except (KeyFormatError, ValueError) as error:
            return Attempt(job, Outcome.REFUSED, error=f"cannot sign: {error}")
        if domain.signature_generation:
            signer.load({origin_of(job.inbox_url): domain.signature_generation})
        try:
            status, _response = await signer.request("POST", job.inbox_url, DELIVERY_HEADERS, body)
        except UnsafeURLError as error:
            return Attempt(job, Outcome.REFUSED, error=str(error))
        except FetchError as error:
            return Attempt(job, Outcome.TRY_AGAIN, error=str(error))
        outcome = classify(status)
        if outcome == Outcome.DELIVERED:
            return Attempt(job, outcome, status, generation=signer.preferred_generation(job.inbox_url).value)
        return Attempt(job, outcome, status, error=f"HTTP {status}")

    def _signer(self, actor: Account | None) -> DoubleKnockSigner:
        if actor is None or not actor.private_key_pem or not actor.public_key_id:
            raise ValueError("the sending actor has no signing key")
        signer = self._signers.get(actor.id)
        if signer is None:
            if len(self._signers) >= MAX_CACHED_SIGNERS:
                self._signers.clear()
            signer = DoubleKnockSigner(
                self._send, key_id=actor.public_key_id, private_key=load_private_key_pem(actor.private_key_pem)
            )
            self._signers[actor.id] = signer
        return signer

    async def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None):
        response = await self.http.post(url, content=body or b"", headers=headers)
        return response.status, response

    async def _record(self, attempt: Attempt, domain: Domain) -> None:
        job, now = attempt.job, self.clock()
        if attempt.outcome is None:
            await Delivery.filter(id=job.pk, state=DeliveryState.QUEUED).update(claimed_until=None)
            return
        if attempt.outcome == Outcome.DELIVERED:
            await self._record_delivered(attempt)
            await self._host_answered(domain, attempt.generation, now)
            return
        tried = job.attempts + 1
        state, reason, next_attempt = TRANSITIONS[attempt.outcome], attempt.error, None
        if state == DeliveryState.QUEUED:
            next_attempt = self.config.schedule.next_attempt(tried, job.created_at, now)
            if next_attempt is None:
                state, reason = DeliveryState.FAILED, f"gave up after {tried} attempts; last: {attempt.error}"
        await Delivery.filter(id=job.pk, state=DeliveryState.QUEUED).update(
            state=state, attempts=tried, last_status=attempt.status, last_error=reason, claimed_until=None,
            **({"next_attempt_at": next_attempt} if next_attempt else {}),
        )
        if state == DeliveryState.FAILED:
            log.info("delivery %s to %s failed for good: %s", job.pk, job.inbox_url, reason)
        if attempt.outcome in HOST_FAILURES:
            await self._host_failed(domain, attempt.error, now)

    async def _record_delivered(self, attempt: Attempt) -> None:
        """Group commit: successes arriving while one write runs are written together next;
        each caller returns once its own row is written."""
        written = asyncio.get_running_loop().create_future()
        self._delivered.append((attempt, written))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_delivered())
        await written

    async def _write_delivered(self) -> None:
        while self._delivered:
            group, self._delivered = self._delivered, []
            by_status: defaultdict[int | None, list[int]] = defaultdict(list)
            for attempt, _ in group:
                by_status[attempt.status].append(attempt.job.pk)
            try:
                for status, ids in by_status.items():
                    # Only a queued job becomes delivered: a job sent twice is recorded once.
                    await Delivery.filter(id__in=ids, state=DeliveryState.QUEUED).update(
                        state=DeliveryState.DELIVERED, delivered_at=self.clock(), last_status=status,
                        last_error=None, attempts=F("attempts") + 1, claimed_until=None,
                    )
            except Exception as error:
                for _, written in group:
                    written.set_exception(error)
            else:
                for _, written in group:
                    written.set_result(None)

    async def _host_answered(self, domain: Domain, generation: str | None, now: datetime) -> None:
        """A success clears the host's failures in a row and any park (written only when
        there is something to clear or a new signature kind to remember)."""
        if domain.consecutive_failures or domain.parked_until is not None:
            domain.consecutive_failures, domain.parked_until = 0, None
            await Domain.filter(id=domain.pk).update(consecutive_failures=0, parked_until=None, last_success_at=now)
        if generation and generation != domain.signature_generation:
            domain.signature_generation = generation
            await Domain.filter(id=domain.pk).update(signature_generation=generation, last_success_at=now)

    async def _host_failed(self, domain: Domain, error: str | None, now: datetime) -> None:
        health = self.config.health
        domain.consecutive_failures += 1
        await Domain.filter(id=domain.pk).update(
            consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now, last_error=error
        )
        park_until = health.park_ends(now)
        if await Domain.filter(id=domain.pk, consecutive_failures__gte=health.park_after_failures).update(
            parked_until=park_until
        ):
            log.warning("host %s parked until %s after repeated failures: %s", domain.name, park_until, error)


async def _domains(names: set[str]) -> dict[str, Domain]:
    """The ``Domain`` rows of these hosts, created for hosts seen for the first time."""
    known = {d.name: d for d in await Domain.filter(name__in=names)}
    missing = names - known.keys()
    if missing:
        await Domain.bulk_create([Domain(name=name) for name in missing], ignore_conflicts=True)
        known.update({d.name: d for d in await Domain.filter(name__in=missing)})
    return known


def delivery_jobs(services: Services) -> list[DeliveryWorker]:
    """The job factory registered in `fediserver.jobs`.

    The worker gets a client of its own with a pool as large as its concurrency: the
    pool's bookkeeping walks every pooled connection on each request, so connections
    beyond what can be used at once only cost CPU."""
    config = delivery_config(services.settings)
    client = SafeHttpClient(
        replace(services.http.settings, max_connections=config.concurrency), policy=services.http.policy
    )
    return [DeliveryWorker(client, config, owns_client=True)]
