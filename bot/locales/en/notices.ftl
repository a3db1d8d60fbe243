## what users are told about an administrator's action on their account (never who did it)
notice_credited =
    💰 You have received { $amount } { $amount ->
            [one] credit
           *[other] credits
        }. Your balance: { $balance } { $balance ->
            [one] credit
           *[other] credits
        }.
notice_debited =
    💸 { $amount } { $amount ->
            [one] credit has
           *[other] credits have
        } been deducted from your balance. Your balance: { $balance } { $balance ->
            [one] credit
           *[other] credits
        }. Questions? See /paysupport.
notice_disabled = ⛔ Your account has been disabled, so the bot will not answer your requests for now. If you think this is a mistake, contact support: /paysupport.
notice_enabled = ✅ Your account is active again. Send /start to open the menu.
notice_refunded =
    ↩️ Your payment for order #{ $order } has been refunded: { $stars } ⭐ are on their way back to you, and the { $credits } { $credits ->
            [one] credit it gave you has
           *[other] credits it gave you have
        } been taken off your balance.
