## баланс и операции
balance =
    💰 Баланс: <b>{ $balance }</b> { $balance ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }

    <b>Последние операции</b>
    { $latest }
no_transactions = Операций пока нет.
transactions =
    💳 <b>Операции</b> (стр. { $page } из { $pages })
    { $items }
btn_back_transactions = ◀ Операции
# одна строка операций: «+10 Приветственный бонус · 2026-11-26 09:00 UTC»
tx_line = <code>{ $sign }{ $amount }</code> { $text } · { $date }
tx_welcome = Приветственный бонус
tx_charge = Предсказание #{ $id }: { $title }
tx_charge_plain = Предсказание
tx_refund = Возврат: предсказание #{ $id } ({ $title }) не удалось
tx_refund_plain = Возврат за неудавшееся предсказание
tx_admin_credit = Начислено администратором
tx_admin_debit = Списано администратором
tx_topup = Пополнение: { $stars } { $stars ->
        [one] звезда
        [few] звезды
        [many] звёзд
       *[other] звезды
    } (заказ №{ $order })
tx_topup_plain = Пополнение через Telegram Stars
tx_topup_refund = Возврат звёзд: { $stars } { $stars ->
        [one] звезда возвращена
        [few] звезды возвращены
        [many] звёзд возвращено
       *[other] звезды возвращено
    }, кредиты списаны (заказ №{ $order })
tx_topup_refund_plain = Возврат звёзд, кредиты списаны
tx_topup_refund_reverted = Возврат звёзд не прошёл: кредиты восстановлены (заказ №{ $order })
tx_topup_refund_reverted_plain = Возврат звёзд не прошёл: кредиты восстановлены
tx_promo = Промокод
tx_promo_code = Промокод <code>{ $code }</code>
tx_other = Корректировка баланса
