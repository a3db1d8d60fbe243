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
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import StarTransaction, TransactionPartnerUser

from bot.alerts import tell_admins
from bot.app import Core
from bot.i18n import I18n
from bot.refunds import attempt_refund
from bot.render import money
from db.models import User
from db.payments import CURRENCY, PaymentError, note_refund_seen, payments_by_charge, record_payment

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
    def __init__(self, bot: Bot, core: Core, i18n: I18n, depth: int) -> None:
        self.bot = bot
        self.core = core
        self.i18n = i18n
        self.depth = depth
        self._alerted: set[str] = set()  # unmatched charges the admins were told about

    async def run_once(self) -> SyncReport:
        report = SyncReport()
        for txs in await self._newest_pages():
            report.scanned += len(txs)
            await self._check(txs, report)
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
        if len(first) < PAGE or not _ascending(first):
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

    async def _check(self, txs: list[StarTransaction], report: SyncReport) -> None:
        async with self.core.session_factory() as session:
            known = set(await payments_by_charge(session, [t.id for t in txs]))
        for tx in txs:
            if isinstance(tx.source, TransactionPartnerUser) and tx.id not in known:
                if tx.source.invoice_payload is not None or tx.source.transaction_type == "invoice_payment":
                    await self._record(tx, tx.source, report)
            elif isinstance(tx.receiver, TransactionPartnerUser) and tx.id in known:
                await self._refund_seen(tx, report)

    async def _record(self, tx: StarTransaction, payer: TransactionPartnerUser, report: SyncReport) -> None:
        try:
            async with self.core.session_factory() as session, session.begin():
                outcome = await record_payment(
                    session,
                    payload=payer.invoice_payload or "",
                    charge_id=tx.id,
                    telegram_id=payer.user.id,
                    currency=CURRENCY,
                    total_amount=tx.amount,
                    source="reconcile",
                )
        except PaymentError as exc:
            report.unmatched += 1
            log.error("star transaction %s matches no account: %s", tx.id, exc)
            if tx.id not in self._alerted:
                self._alerted.add(tx.id)
                await tell_admins(
                    self.bot,
                    self.core,
                    self.i18n,
                    "adm_payment_unknown",
                    stars=tx.amount,
                    tg=payer.user.id,
                    charge=tx.id[:80],
                )
            return
        if outcome.status == "replayed":
            return  # the update's handler recorded it meanwhile
        report.recorded.append(outcome.payment_id)
        log.warning("payment %s found in Telegram's record: %s", tx.id, outcome.status)
        async with self.core.session_factory() as session:
            user = await session.get(User, outcome.user_id)
        if user is not None and user.telegram_id is not None:
            t = self.i18n.translator(self.i18n.pick(user.language, None))
            support = self.core.settings.support_contact or "/paysupport"
            if outcome.status == "credited":
                key = "payment_credited_disabled" if outcome.disabled else "payment_found_later"
                text = t(
                    key,
                    stars=tx.amount,
                    credits=money(outcome.credits),
                    balance=money(outcome.balance),
                    support=support,
                )
            else:
                text = t("payment_duplicate", stars=tx.amount)
            try:
                await self.bot.send_message(user.telegram_id, text)
            except TelegramAPIError as exc:
                log.warning("could not tell user %d about payment %d: %s", user.id, outcome.payment_id, exc)
        await tell_admins(
            self.bot,
            self.core,
            self.i18n,
            "adm_payment_found",
            id=outcome.payment_id,
            user=outcome.user_id,
            stars=tx.amount,
            credits=money(outcome.credits),
        )
        if outcome.status == "refund_pending":
            await attempt_refund(self.bot, self.core, outcome.payment_id)

    async def _refund_seen(self, tx: StarTransaction, report: SyncReport) -> None:
        async with self.core.session_factory() as session, session.begin():
            payment = (await payments_by_charge(session, [tx.id]))[tx.id]
            await session.refresh(payment, with_for_update=True)
            seen = await note_refund_seen(session, payment)
            stars, user_id, payment_id = payment.stars, payment.user_id, payment.id
        if seen == "finished":
            report.refunds_finished += 1
            log.warning("refund of payment %d confirmed by Telegram's record", payment_id)
        elif seen == "noted":
            report.refunds_noted += 1
            log.warning("payment %d was refunded outside the bot", payment_id)
            await tell_admins(
                self.bot, self.core, self.i18n, "adm_refund_outside", id=payment_id, stars=stars, user=user_id
            )


def _ascending(txs: list[StarTransaction]) -> bool:
    """A page listed oldest first (its dates differ and rise)."""
    return txs[0].date < txs[-1].date


async def star_sync_loop(sync: StarSync, interval: float) -> None:
    """At start-up, then every `interval` seconds (0: at start-up only); an error is logged and
    tried again next time."""
    while True:
        try:
            await sync.run_once()
        except TelegramAPIError as exc:
            log.warning("star sync: Telegram did not answer: %s", exc)
        except Exception:
            log.exception("star sync failed")
        if interval <= 0:
            return
        await asyncio.sleep(interval)
