"""A per-process mirror of a few Redis facts (denylist entries, item versions), fed by pub/sub,
so that a request can read them without a Redis round trip.

A fact is (Redis key, value, expiry in epoch seconds). `announce` publishes a fact on CHANNEL
and appends it to JOURNAL (a sorted set scored by expiry); Lua scripts may PUBLISH on
CHANNEL too (`key<TAB>value<TAB>expiry`). Each process runs one subscriber thread, started
lazily by the first lookup in the process (so after gunicorn forks): it subscribes, then
reads the journal (whatever was announced before the subscription counts), then applies
messages as they come. Every HEARTBEAT seconds it publishes the time on a channel of its own
(its echo): Redis delivers a subscriber's messages in order, so when the echo comes back,
every fact published before it was sent has been applied.

`lookup` answers from the mirror only while it is provably current, else None and the caller
reads Redis as before: the subscription is connected, an echo sent less than STALE seconds ago
came back, and no message is waiting unread. Redis writes a PUBLISH to its
subscribers' sockets before it answers the publisher, and the thread applies what it reads
under the lock that `lookup` takes, so a request that starts after `announce` returned in any
process sees the fact. That order holds on one Redis server only: on a Redis Cluster a
PUBLISH reaches the other nodes' subscribers over the cluster bus after the publisher has its
answer, so there the mirror stays off and every lookup returns None.

Pub/sub ignores Redis' numbered databases, so the channel carries the database's number
(`channel`): apps on other databases of the same server (other tenants of the server, the
test lanes) never hear each other's facts. Lua scripts name CHANNEL and are registered
through `scripted`, which puts this database's channel in its place.
"""

import logging
import os
import select
import threading
import time
import uuid

from redis.exceptions import RedisError

log = logging.getLogger("jifen.mirror")
CHANNEL = "jifen:mirror"
JOURNAL = "jifen:mirror:journal"
HEARTBEAT = 0.5
STALE = 1.5
RETRY = 0.5
PRUNE = 60.0  # expired facts nobody looks up again are dropped this often


def channel(client) -> str:
    """CHANNEL of the client's database (a cluster has only database 0)."""
    pool = getattr(client, "connection_pool", None)
    return f"{CHANNEL}:{pool.connection_kwargs.get('db', 0) if pool else 0}"


def scripted(script: str, client) -> str:
    """A Lua script that publishes on CHANNEL, publishing on the client database's channel."""
    return script.replace(f"'{CHANNEL}'", f"'{channel(client)}'")


def message(key: str, value, expires: int) -> str:
    """A fact as it travels on CHANNEL and sits in JOURNAL."""
    return f"{key}\t{value}\t{int(expires)}"


class Mirror:
    """The facts of one app's Redis, in this process."""

    def __init__(self, client, enabled: bool):
        self.client, self.enabled, self.channel = client, enabled, channel(client)
        self.lock = threading.Lock()
        self.facts: dict[str, tuple[str, float]] = {}
        self.generation = 0  # goes up with every (re)subscription: facts may have been missed
        self.pubsub = self.sock = None  # the socket subscribed at this generation's start
        self.fresh_as_of = 0.0  # when the last echo that came back was sent
        self.started = False
        self.echo = ""
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        """A forked child (a gunicorn worker) has none of the parent's threads: its own mirror
        starts afresh at its first lookup, and a lock the parent's thread held is dropped."""
        self.lock, self.started, self.pubsub, self.fresh_as_of = threading.Lock(), False, None, 0.0

    def announce(self, key: str, value, expires: int) -> None:
        """Publish a fact to every process (this one at once); raises RedisError, so that a
        revocation that could not be announced fails loudly rather than silently."""
        if not self.enabled:
            return
        text = message(key, value, expires)
        pipe = self.client.pipeline(transaction=False)
        pipe.zadd(JOURNAL, {text: int(expires)})
        pipe.zremrangebyscore(JOURNAL, "-inf", time.time())
        pipe.publish(self.channel, text)
        pipe.execute()
        with self.lock:
            self._apply(text)

    def lookup(self, keys: list[str], generation: int | None = None) -> list | None:
        """The values of `keys` (None where there is no fact), or None when the mirror is
        not provably current (or, when given, no longer in `generation`: facts published
        between then and the last subscription are lost) and the caller must read Redis."""
        if not self._running():
            return None
        now = time.time()
        with self.lock:
            if not self._current(now) or generation not in (None, self.generation):
                return None
            return [self._value(key, now) for key in keys]

    def current_generation(self) -> int | None:
        """The subscription's generation while the mirror is current, else None."""
        if not self._running():
            return None
        with self.lock:
            return self.generation if self._current(time.time()) else None

    def _running(self) -> bool:
        if not self.enabled:
            return False
        if not self.started:  # first use in this process
            with self.lock:
                if not self.started:
                    self.started, self.echo = True, f"{self.channel}:echo:{uuid.uuid4().hex}"
                    threading.Thread(target=self._run, name="jifen-mirror", daemon=True).start()
        return True

    def _current(self, now: float) -> bool:
        # redis-py reconnects and resubscribes a pub/sub connection by itself: what was
        # published meanwhile is lost, so a new socket is never current (the thread then
        # starts a new generation from the journal)
        if (self.pubsub is None or now - self.fresh_as_of >= STALE
                or self.pubsub.connection._sock is not self.sock):
            return False
        readable, _, _ = select.select([self.sock], [], [], 0)
        return not readable

    def _value(self, key: str, now: float):
        fact = self.facts.get(key)
        if fact is None:
            return None
        if fact[1] <= now:
            self.facts.pop(key, None)
            return None
        return fact[0]

    def _apply(self, text: str) -> None:
        key, value, expires = text.split("\t")
        self.facts[key] = (value, float(expires))

    def _run(self) -> None:
        while True:
            try:
                self._subscribe()
                self._serve()
            except (RedisError, OSError) as exc:
                log.warning("mirror: subscription lost, requests read Redis: %s", exc)
            with self.lock:
                if self.pubsub is not None:
                    self.pubsub.close()
                self.pubsub = None
            time.sleep(RETRY)

    def _subscribe(self) -> None:
        pubsub = self.client.pubsub()
        pubsub.subscribe(self.channel, self.echo)
        for _channel in (self.channel, self.echo):
            if pubsub.get_message(timeout=STALE) is None:
                raise RedisError("no subscribe confirmation")
        journal = self.client.zrangebyscore(JOURNAL, time.time(), "+inf")
        with self.lock:  # not current until the first echo: messages may be queued
            self.facts = {}
            for text in journal:
                self._apply(text)
            self.generation += 1
            self.pubsub, self.sock, self.fresh_as_of = pubsub, pubsub.connection._sock, 0.0

    def _serve(self) -> None:
        pinged, pruned = 0.0, time.time()
        started = pruned
        while self.pubsub.connection._sock is self.sock:
            now = time.time()
            if now - pinged >= HEARTBEAT:
                self.client.publish(self.echo, repr(now))
                pinged = now
            if now - pruned >= PRUNE:
                with self.lock:
                    self.facts = {key: fact for key, fact in self.facts.items() if fact[1] > now}
                pruned = now
            if now - max(self.fresh_as_of, started) > STALE + HEARTBEAT:
                raise RedisError("no echo through the subscription")
            select.select([self.sock], [], [], HEARTBEAT)
            with self.lock:  # drain whatever arrived: lookups see all of it or wait
                while self.pubsub.connection.can_read(timeout=0):
                    reply = self.pubsub.get_message(timeout=0)
                    if reply is None or reply["type"] != "message":
                        continue
                    if reply["channel"] == self.echo:
                        self.fresh_as_of = max(self.fresh_as_of, float(reply["data"]))
                    else:
                        self._apply(reply["data"])
        raise RedisError("the subscription reconnected: messages may be lost")
