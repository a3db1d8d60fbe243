## top up with Telegram Stars
cmd_paysupport = Help with payments
cmd_terms = Terms of service
topup_menu =
    ➕ <b>Top up with Telegram Stars</b> ⭐
    Pick a pack, or choose your own amount ({ $rate } { $rate ->
            [one] credit
           *[other] credits
        } per star).
btn_pack = ⭐ { $stars } → { $credits } cr
btn_custom_amount = ✏️ Other amount
topup_ask_amount =
    How many Stars? A whole number from { $min } to { $max } ({ $rate } { $rate ->
            [one] credit
           *[other] credits
        } per star).
err_topup_amount = ⚠️ Send a whole number of Stars from { $min } to { $max }.
topup_pack_gone = This pack is no longer offered. Here are the current ones:
invoice_title =
    { $credits } { $credits ->
            [one] credit
           *[other] credits
        }
invoice_description =
    { $credits } { $credits ->
            [one] credit
           *[other] credits
        } for predictions in this bot ({ $stars } Telegram Stars, order #{ $order }).
invoice_label =
    { $credits } { $credits ->
            [one] credit
           *[other] credits
        }
checkout_unknown_order = This invoice is unknown. Please open /topup again.
checkout_not_yours = This invoice was made for another account.
checkout_disabled = Your account is disabled.
checkout_already_paid = This invoice is already paid. Please open /topup for a new one.
checkout_amount_mismatch = The amount does not match the invoice. Please open /topup again.
payment_credited =
    ✅ <b>Payment received</b>, thank you!

    🧾 <b>Receipt</b>
    Order: #{ $order }
    Paid: { $stars } ⭐
    Added: <b>+{ $credits }</b> { $credits ->
            [one] credit
           *[other] credits
        }
    Balance: <b>{ $balance }</b>
    Date: { $date }

    Questions about this payment or a refund: { $support } (give the order number).
receipt_disabled_note = Your account is disabled, so the bot cannot be used for now; the credits stay yours. To get your Stars back, contact { $support }.
payment_duplicate = ℹ️ This invoice had already been paid, so nothing was added. Your { $stars } ⭐ are being returned.
adm_payment_disabled = 💳 A disabled account paid: user #{ $user }, { $stars } ⭐, credited { $credits } (order #{ $order }). To return the Stars: /refund { $order }
adm_payment_unknown = ⚠️ A payment of { $stars } ⭐ from Telegram user { $tg } matches no account (payment #{ $id }): nothing was credited, and its Stars are being returned.
adm_payment_found =
    🔎 Found in Telegram's record and credited now: payment #{ $id }, user #{ $user }, { $stars } ⭐ ({ $credits } { $credits ->
            [one] credit
           *[other] credits
        }).
adm_refund_outside =
    🔎 Telegram's record shows a refund of payment #{ $id } ({ $stars } ⭐, user #{ $user }) that the bot did not make, and the balance no longer has its { $credits } { $credits ->
            [one] credit
           *[other] credits
        }, so they were not taken back. Please settle it by hand.
payment_unmatched = ⚠️ We could not match this payment to an account, so nothing was added. Your { $stars } ⭐ are being returned. Questions: { $support }.
adm_refund_outside_taken =
    🔎 Telegram's record shows a refund of payment #{ $id } ({ $stars } ⭐, user #{ $user }) that the bot did not make: its { $credits } { $credits ->
            [one] credit
           *[other] credits
        } were taken back.
adm_refund_gave_up = ❌ The Stars of payment #{ $id } ({ $stars } ⭐, user #{ $user }) could not be returned: { $error }. Any credits taken back were given back. See /refund.
paysupport =
    💬 <b>Payments support</b>
    Credits bought with Telegram Stars are added at once. A failed prediction is refunded in credits automatically. For a refund of Stars or any problem with a payment, contact { $contact } with your order number (in the receipt and in /balance).
paysupport_admins = the bot's administrators
paysupport_write =
    💬 <b>Payments support</b>
    Credits bought with Telegram Stars are added at once. A failed prediction is refunded in credits automatically.
    For a refund of Stars or any problem with a payment, write here, in one message, what happened and your order number (in the receipt and in /balance). I will pass it on to the administrators, and they will contact you in Telegram.
paysupport_text_only = Please write your message as text.
paysupport_sent = ✅ Passed on to the administrators. They will contact you in Telegram.
paysupport_not_sent = ⚠️ The administrators could not be reached just now. Please try /paysupport again later.
paysupport_cancelled = Cancelled: nothing was sent.
adm_paysupport =
    💬 <b>Payments support</b>: a message from user #{ $user } ({ $name }, <a href="tg://user?id={ $tg }">Telegram { $tg }</a>):

    { $text }
terms =
    📄 <b>Terms of service</b>

    <b>Credits.</b> Predictions are paid for in credits, bought with Telegram Stars at the rate shown in /topup. Credits are for this bot only: they do not expire and cannot be exchanged for Stars or money, except by the refund below.
    <b>Predictions.</b> A prediction is what a machine-learning model computes from the values you send, and it can be wrong. It is not medical, financial or any other professional advice: decisions are yours.
    <b>Failed predictions.</b> If a model fails, the credits it cost are returned automatically.
    <b>Refunds.</b> Stars paid for credits you have not spent can be returned: contact us ({ $contact }) with the order number from your receipt. Spent credits are not refunded.
    <b>Accounts.</b> An account that abuses the bot may be disabled; the credits on it stay its owner's, and unspent ones can be refunded.
    <b>Contact:</b> { $contact }
adm_usage_refund = Usage: /refund &lt;order number | telegram_payment_charge_id&gt;
adm_refund_not_found = ⚠️ No payment “{ $ref }”.
adm_refund_insufficient =
    ⚠️ The user's balance is { $balance }: cannot take back { $amount } { $amount ->
            [one] credit
           *[other] credits
        }, so no refund was made.
adm_refund_already = ℹ️ This payment is refunded already.
adm_refund_done =
    ✅ Refunded { $stars } ⭐ (payment #{ $id }); { $credits } { $credits ->
            [one] credit
           *[other] credits
        } taken back.
adm_refund_retrying = ⏳ Credits taken back; Telegram did not answer ({ $error }). The Stars refund of payment #{ $id } will be retried automatically.
adm_refund_failed = ❌ Telegram refused the refund of payment #{ $id }: { $error }. The credits were given back.
