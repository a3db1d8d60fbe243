"""Reconciliation against Telegram's own record of the bot's Star transactions.

getStarTransactions is the truth about money. At start-up and every STARS_SYNC_SECONDS, the
newest STARS_SYNC_DEPTH transactions are read:
- an incoming payment whose charge id has no `payments` row (its update was lost: confirmed and
  then the process died, a failed webhook call, a bug) is recorded and credited from its invoice
  payload, exactly once (the charge id is unique), and the payer and the admins are told;
- a refund of one of our payments settles a refund of ours whose answer was lost, or, if the bot
  did not make it, is noted on the payment and the admins are told.
Several processes may run it at once: every write is keyed or guarded, so each happens once, and
only the process whose write won tells anyone.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import StarTransaction, TransactionPartnerUser

from bot.alerts import tell_admins
from bot.app import Services
from bot.i18n import I18n
from bot.refunds import attempt_refund
from bot.replies import receipt_text
from services.payments import CURRENCY, PaymentOutcome

log = logging.getLogger(__name__)
PAGE = 100  # getStarTransactions' maximum


@dataclass
class SyncReport:
    scanned: int = 0
    recorded: list[int] = field(default_factory=list)  # payment ids credited by this sync
    refunds_finished: int = 0  # our refunds whose answer had been lost
    refunds_noted: int = 0  # refunds the bot did not make
    unmatched: int = 0  # payments that match no account


class StarSync:
    def __init__(self, bot: Bot, services: Services, i18n: I18n, depth: int) -> None:
        self.bot = bot
        self.services = services
        self.i18n = i18n
        self.depth = depth
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Run again now (a payment update may have been confirmed without its commit)."""
        self._wake.set()

    async def sleep(self, interval: float) -> None:
        """Until `interval` seconds have passed (forever if 0) or `wake` is called."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), interval if interval > 0 else None)

    async def run_logged(self) -> SyncReport | None:
        self._wake.clear()  # a wake-up from now on asks for the run after this one
        try:
            return await self.run_once()
        except TelegramAPIError as exc:
            log.warning("star sync: Telegram did not answer: %s", exc)
        except Exception:
            log.exception("star sync failed")
        return None

    async def run_once(self) -> SyncReport:
        report = SyncReport()
        pages = await self._newest_pages()
        # a refund listed anywhere in the window: a lost payment found with it is not credited
        refunded = {t.id for txs in pages for t in txs if isinstance(t.receiver, TransactionPartnerUser)}
        for txs in pages:
            report.scanned += len(txs)
            await self._check(txs, refunded, report)
        if report.recorded or report.refunds_finished or report.refunds_noted or report.unmatched:
            log.warning(
                "star sync: %d transaction(s) read; %d payment(s) recorded now, %d refund(s) settled, "
                "%d outside refund(s) noted, %d unmatched",
                report.scanned,
                len(report.recorded),
                report.refunds_finished,
                report.refunds_noted,
                report.unmatched,
            )
        return report

    async def _page(self, offset: int, limit: int = PAGE) -> list[StarTransaction]:
        return (await self.bot.get_star_transactions(offset=offset, limit=limit)).transactions

    async def _newest_pages(self) -> list[list[StarTransaction]]:
        """The newest `depth` transactions, in pages. The Bot API's documentation says the list
        is in chronological order; Telegram has been seen to list the newest first. Either way
        works: the first page's dates tell which, and when the oldest come first, the end of the
        list is found with a few one-item probes (doubling, then halving) and read backwards."""
        first = await self._page(0)
        if len(first) < PAGE or not _ascending(
            first, await self._page(PAGE, 1) if first[0].date == first[-1].date else []
        ):
            pages = [first]
            offset = len(first)
            while len(pages[-1]) == PAGE and offset < self.depth:
                pages.append(await self._page(offset, min(PAGE, self.depth - offset)))
                offset += len(pages[-1])
            return pages
        low, high = PAGE, PAGE * 2  # low: an offset known to exist; high: one to try
        while await self._page(high - 1, 1):
            low, high = high, high * 2
        while high - low > 1:  # the count is in (low, high]
            mid = (low + high) // 2
            if await self._page(mid - 1, 1):
                low = mid
            else:
                high = mid
        end = low
        pages = []
        start = max(0, end - self.depth)
        for offset in range(start, end, PAGE):
            pages.append(await self._page(offset, min(PAGE, end - offset)))
        return pages

    async def _check(self, txs: list[StarTransaction], refunded: set[str], report: SyncReport) -> None:
        known = await self.services.payments.known_charges([t.id for t in txs])
        for tx in txs:
            if isinstance(tx.source, TransactionPartnerUser) and tx.id not in known:
                if tx.source.invoice_payload is not None or tx.source.transaction_type == "invoice_payment":
                    await self._record(tx, tx.source, tx.id in refunded, report)
                    known.add(tx.id)
            elif isinstance(tx.receiver, TransactionPartnerUser) and tx.id in known:
                await self._refund_seen(tx, report)

    async def _record(
        self, tx: StarTransaction, payer: TransactionPartnerUser, refunded: bool, report: SyncReport
    ) -> None:
        outcome = await self.services.payments.record_payment(
            payload=payer.invoice_payload or "",
            charge_id=tx.id,
            telegram_id=payer.user.id,
            currency=CURRENCY,
            total_amount=tx.amount,
            source="reconcile",
            refunded=refunded,
        )
        if outcome.status == "replayed":
            return  # the update's handler recorded it meanwhile
        report.recorded.append(outcome.payment_id)
        log.warning("payment %s found in Telegram's record: %s", tx.id, outcome.status)
        if outcome.status == "refunded":
            return  # its Stars went back already: nothing was credited, nothing to say
        if outcome.unmatched:
            report.unmatched += 1
            await tell_admins(
                self.bot,
                self.services,
                self.i18n,
                "adm_payment_unknown",
                id=outcome.payment_id,
                stars=tx.amount,
                tg=payer.user.id,
            )
        else:
            await self._tell_payer(outcome, tx.amount, tx.date)
        if outcome.status == "credited":
            await tell_admins(
                self.bot,
                self.services,
                self.i18n,
                "adm_payment_found",
                id=outcome.payment_id,
                user=outcome.user_id,
                stars=tx.amount,
                credits=outcome.credits,
            )
        if outcome.status == "refund_pending":
            await attempt_refund(self.bot, self.services, outcome.payment_id)

    async def _tell_payer(self, outcome: PaymentOutcome, stars: int, paid_at: datetime) -> None:
        user = await self.services.payments.payer(outcome.user_id)
        if user is None or user.telegram_id is None:
            return
        t = self.i18n.translator(self.i18n.pick(user.language, None))
        support = escape(self.services.settings.support_contact) or "/paysupport"
        if outcome.status == "credited":  # the receipt the lost update would have brought
            text = receipt_text(t, outcome, stars, paid_at, support)
            if outcome.disabled:
                text += "\n\n" + t("receipt_disabled_note", support=support)
        else:
            text = t("payment_duplicate", stars=stars)
        try:
            await self.bot.send_message(user.telegram_id, text)
        except TelegramAPIError as exc:
            log.warning("could not tell user %d about payment %d: %s", user.id, outcome.payment_id, exc)

    async def _refund_seen(self, tx: StarTransaction, report: SyncReport) -> None:
        seen = await self.services.payments.note_refund_seen(tx.id)
        if seen.result == "finished":
            report.refunds_finished += 1
            log.warning("refund of payment %d confirmed by Telegram's record", seen.payment_id)
        elif seen.result in ("taken_back", "noted"):
            report.refunds_noted += 1
            log.warning("payment %d was refunded outside the bot (%s)", seen.payment_id, seen.result)
            await tell_admins(
                self.bot,
                self.services,
                self.i18n,
                "adm_refund_outside_taken" if seen.result == "taken_back" else "adm_refund_outside",
                id=seen.payment_id,
                stars=seen.stars,
                user=seen.user_id if seen.user_id is not None else "—",
                credits=seen.credits,
            )


def _ascending(txs: list[StarTransaction], later: list[StarTransaction]) -> bool:
    """Listed oldest first: the dates rise along the page, or (a page from one second) from it
    to the transaction after it."""
    if txs[0].date != txs[-1].date or not later:
        return txs[0].date < txs[-1].date
    return txs[0].date < later[0].date


async def star_sync_loop(sync: StarSync, interval: float) -> None:
    """At start-up, then every `interval` seconds (0: at start-up only) and whenever woken; an
    error is logged and tried again next time."""
    while True:
        await sync.run_logged()
        await sync.sleep(interval)
