"""Client audit events that continue a chain, made with the desktop's own formula."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from desktop.domain.audit_chain import GENESIS, ChainEvent


class Chain:
    """One desktop log: events made in order, each continuing the last."""

    def __init__(self, user_id: str, device_id: str = "pc-uji", chain_id: str | None = None):
        self.user_id = user_id
        self.device_id = device_id
        self.chain_id = chain_id or str(uuid.uuid4())
        self.head = GENESIS

    def event(
        self,
        kind: str = "print_receipt",
        *,
        application_id: str | None = None,
        details: dict[str, Any] | None = None,
        device_time: datetime | None = None,
    ) -> dict[str, Any]:
        moment = device_time or datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        event = ChainEvent(
            id=str(uuid.uuid4()),
            chain_id=self.chain_id,
            device_id=self.device_id,
            user_id=self.user_id,
            kind=kind,
            application_id=application_id,
            device_time=moment,
            details=details or {},
        )
        digest = event.hash(self.head)
        wire = {
            "id": event.id,
            "chain_id": self.chain_id,
            "device_id": self.device_id,
            "user_id": self.user_id,
            "kind": kind,
            "application_id": application_id,
            "device_time": moment.isoformat(),
            "details": event.details,
            "prev_hash": self.head,
            "hash": digest,
        }
        self.head = digest
        return wire

    def events(self, n: int, **kw: Any) -> list[dict[str, Any]]:
        return [self.event(**kw) for _ in range(n)]
