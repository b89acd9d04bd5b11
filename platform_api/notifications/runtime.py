"""The notifications domain in one API process: its consumers, the release of held messages,
the VAPID key, and the clock both follow (tests replace ``clock`` to move time)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from py_vapid import Vapid

from platform_api.notifications.delivery import Clock, Delivery
from platform_api.notifications.dispatcher import subscribe_dispatcher
from platform_api.notifications.events import subscribe_mailer
from platform_api.notifications.push import (
    PushSender,
    application_server_key,
    load_or_create_vapid,
    subscribe_pusher,
)
from platform_api.notifications.push_transport import open_push_session
from platform_api.notifications.release import release_due, start_release
from platform_api.notifications.unsubscribe import UnsubscribeLinks
from platform_api.wiring import Stores


@dataclass
class Notifications:
    stores: Stores
    delivery: Delivery
    vapid: Vapid

    @property
    def clock(self) -> Clock:
        return self.delivery.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.delivery.clock = clock

    @property
    def links(self) -> UnsubscribeLinks:
        return self.delivery.links

    @property
    def push_public_key(self) -> str:
        return application_server_key(self.vapid)

    async def release_due(self) -> int:
        """Send what is due by the clock now (the periodic task does this every so often)."""
        return await release_due(self.stores.database, self.delivery, self.clock())


async def start_notifications(stores: Stores) -> Notifications:
    """Subscribe the dispatcher, mailer and push consumers; run the release beside the API."""
    settings = stores.settings
    links = UnsubscribeLinks(stores.signing_key, settings.jwt_issuer, settings.base_url)
    delivery = Delivery(links, settings.base_url.rstrip("/"))
    vapid = load_or_create_vapid(settings.vapid_private_key, settings.resolved_data_dir)
    notifications = Notifications(stores, delivery, vapid)
    await subscribe_dispatcher(stores.bus, stores.database, delivery)
    await subscribe_mailer(stores.bus, stores.database, stores.mailer)
    if settings.egress:
        http = open_push_session(settings.push_http_loopback_hosts)
        stores.on_close.append(http.close)
        sender = PushSender(vapid, settings.vapid_subject, http, settings.push_timeout_seconds)
        await subscribe_pusher(stores.bus, stores.database, sender)
    release = start_release(stores.database, delivery, settings.notification_release_seconds)
    stores.on_close.append(release.stop)
    return notifications


def get_notifications(request: Request) -> Notifications:
    notifications: Notifications = request.app.state.notifications
    return notifications


NotificationsDep = Annotated[Notifications, Depends(get_notifications)]
