## пополнение через Telegram Stars
cmd_paysupport = Помощь с оплатой
topup_menu =
    ➕ <b>Пополнение через Telegram Stars</b> ⭐
    Выберите пакет или свою сумму ({ $rate } { $rate ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } за звезду).
btn_pack = ⭐ { $stars } → { $credits } кр
btn_custom_amount = ✏️ Другая сумма
topup_ask_amount =
    Сколько звёзд? Целое число от { $min } до { $max } ({ $rate } { $rate ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } за звезду).
err_topup_amount = ⚠️ Пришлите целое число звёзд от { $min } до { $max }.
invoice_title =
    { $credits } { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }
invoice_description =
    { $credits } { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } на предсказания в этом боте ({ $stars } Telegram Stars, заказ №{ $order }).
invoice_label =
    { $credits } { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }
checkout_unknown_order = Этот счёт неизвестен. Откройте /topup заново.
checkout_not_yours = Этот счёт выставлен другому аккаунту.
checkout_disabled = Ваш аккаунт заблокирован.
checkout_already_paid = Этот счёт уже оплачен. Откройте /topup, чтобы получить новый.
checkout_amount_mismatch = Сумма не совпадает со счётом. Откройте /topup заново.
payment_credited =
    ✅ Оплата получена: <b>+{ $credits }</b> { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }. Баланс: <b>{ $balance }</b>.
payment_duplicate = ℹ️ Этот счёт уже был оплачен, поэтому ничего не начислено. Ваши { $stars } ⭐ возвращаются.
payment_problem = ⚠️ Не удалось сопоставить платёж с аккаунтом. Напишите { $support }: звёзды будут возвращены.
payment_credited_disabled =
    ✅ Оплата получена: <b>+{ $credits }</b> на баланс. Баланс: <b>{ $balance }</b>.
    Ваш аккаунт отключён, поэтому пользоваться ботом пока нельзя; кредиты остаются за вами. Чтобы вернуть звёзды, напишите { $support }.
payment_found_later = ✅ Ваш платёж ({ $stars } ⭐) получен: <b>+{ $credits }</b> на баланс. Баланс: <b>{ $balance }</b>.
adm_payment_disabled = 💳 Оплата от отключённого аккаунта: пользователь #{ $user }, звёзд: { $stars }, начислено: { $credits } (заказ #{ $order }). Вернуть звёзды: /refund { $order }
adm_payment_unknown = ⚠️ Платёж от пользователя Telegram { $tg } (звёзд: { $stars }) не подходит ни к одному аккаунту (платёж #{ $id }): ничего не начислено, звёзды возвращаются.
adm_payment_found = 🔎 Найден в записях Telegram и зачислен сейчас: платёж #{ $id }, пользователь #{ $user }, звёзд: { $stars }, кредитов: { $credits }.
adm_refund_outside = 🔎 В записях Telegram есть возврат платежа #{ $id } (звёзд: { $stars }, пользователь #{ $user }), сделанный не ботом, а на балансе уже нет его кредитов ({ $credits }), поэтому они не списаны. Разберитесь вручную.
payment_unmatched = ⚠️ Не удалось сопоставить платёж с аккаунтом, поэтому ничего не начислено. Ваши { $stars } ⭐ возвращаются. Вопросы: { $support }.
adm_refund_outside_taken = 🔎 В записях Telegram есть возврат платежа #{ $id } (звёзд: { $stars }, пользователь #{ $user }), сделанный не ботом: его кредиты ({ $credits }) списаны.
adm_refund_gave_up = ❌ Не удалось вернуть звёзды по платежу #{ $id } (звёзд: { $stars }, пользователь #{ $user }): { $error }. Списанные кредиты возвращены. См. /refund.
paysupport =
    💬 <b>Поддержка по оплате</b>
    Кредиты, купленные за Telegram Stars, начисляются сразу. За неудачное предсказание кредиты возвращаются автоматически. Чтобы вернуть звёзды или решить проблему с платежом, напишите { $contact } и укажите номер заказа (в /balance).
paysupport_admins = администраторам бота
adm_usage_refund = Формат: /refund &lt;номер заказа | telegram_payment_charge_id&gt;
adm_refund_not_found = ⚠️ Нет платежа «{ $ref }».
adm_refund_insufficient =
    ⚠️ Баланс пользователя { $balance }: нельзя забрать { $amount } { $amount ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }, возврат не сделан.
adm_refund_already = ℹ️ Этот платёж уже возвращён.
adm_refund_done =
    ✅ Возвращено { $stars } ⭐ (платёж #{ $id }); списано { $credits } { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }.
adm_refund_retrying = ⏳ Кредиты списаны; Telegram не ответил ({ $error }). Возврат звёзд по платежу #{ $id } будет повторён автоматически.
adm_refund_failed = ❌ Telegram отказал в возврате платежа #{ $id }: { $error }. Кредиты возвращены пользователю.
