## balance and transactions
balance =
    💰 Balance: <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }

    <b>Latest transactions</b>
    { $latest }
no_transactions = No transactions yet.
transactions =
    💳 <b>Transactions</b> (page { $page }/{ $pages })
    { $items }
btn_back_transactions = ◀ Transactions
# one line of the ledger: "+10 Welcome bonus · 2026-11-26 09:00 UTC"
tx_line = <code>{ $sign }{ $amount }</code> { $text } · { $date }
tx_welcome = Welcome bonus
tx_charge = Prediction #{ $id }: { $title }
tx_charge_plain = Prediction
tx_refund = Refund: prediction #{ $id } ({ $title }) failed
tx_refund_plain = Refund for a failed prediction
tx_admin_credit = Credited by the administrator
tx_admin_debit = Debited by the administrator
tx_topup = Top-up: { $stars } { $stars ->
        [one] Star
       *[other] Stars
    } (order #{ $order })
tx_topup_plain = Top-up with Telegram Stars
tx_topup_refund = Stars refunded: { $stars } { $stars ->
        [one] Star
       *[other] Stars
    } returned, credits taken back (order #{ $order })
tx_topup_refund_plain = Stars refunded, credits taken back
tx_topup_refund_reverted = Stars refund failed: credits restored (order #{ $order })
tx_topup_refund_reverted_plain = Stars refund failed: credits restored
tx_promo = Promo code
tx_promo_code = Promo code <code>{ $code }</code>
tx_other = Balance adjustment
