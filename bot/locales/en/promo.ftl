## promo codes: /promo CODE and t.me/<bot>?start=promo_CODE
promo_usage = 🎁 Send a promo code like this: <code>/promo SPRING25</code>
promo_redeemed =
    🎁 Promo code <b>{ $code }</b>: <b>{ $credits }</b> { $credits ->
            [one] credit
           *[other] credits
        } added. Your balance: <b>{ $balance }</b> { $balance ->
            [one] credit
           *[other] credits
        }.
promo_err_bad_code = ⚠️ That doesn't look like a promo code: it is 3–32 latin letters, digits, <code>_</code> or <code>-</code>.
promo_err_unknown = ⚠️ There is no promo code <b>{ $code }</b>. Check the spelling and try again.
promo_err_inactive = ⚠️ Promo code <b>{ $code }</b> is no longer valid.
promo_err_expired = ⚠️ Promo code <b>{ $code }</b> has expired.
promo_err_used_up = ⚠️ Promo code <b>{ $code }</b> has run out: all its uses are taken.
promo_err_already = ℹ️ You have already used promo code <b>{ $code }</b>: each code works once per account.
promo_err_balance_limit = ⚠️ Promo code <b>{ $code }</b> cannot be applied: your balance would go over the limit.
promo_after_registration = 🎁 Promo code <b>{ $code }</b> will be applied as soon as your account is created.

## promo codes, the admin's side
adm_promo_usage =
    Usage: <code>/promo_new CODE CREDITS [MAX_USES] [DAYS]</code>
    For example <code>/promo_new SPRING25 20 100 30</code>: 20 credits each for the first 100 users, valid for 30 days. Without MAX_USES and DAYS a code has no limit and no end date.
adm_promo_off_usage = Usage: <code>/promo_off CODE</code>
adm_promo_created =
    ✅ Promo code <b>{ $code }</b> created.
    { $details }
    Link to share: { $link }
    Or users send <code>/promo { $code }</code>.
adm_promo_details = { $credits } { $credits ->
        [one] credit
       *[other] credits
    } per user · used { $uses }/{ $limit } · { $until } · { $status }
adm_promo_no_limit = ∞
adm_promo_until = until { $date } UTC
adm_promo_forever = no end date
adm_promo_status_active = ✅ active
adm_promo_status_off = ⛔ switched off
adm_promo_status_expired = ⌛ expired
adm_promo_status_used_up = 🈵 used up
adm_promos =
    🎁 <b>Promo codes</b>: { $total } in all, the newest first
    { $items }
adm_promos_empty = No promo codes yet. Create one: <code>/promo_new CODE CREDITS [MAX_USES] [DAYS]</code>
adm_promo_off_done = ⛔ Promo code <b>{ $code }</b> is switched off. Credits already given stay with their users.
adm_promo_err_exists = ⚠️ Promo code <b>{ $code }</b> already exists: choose another code.
adm_promo_err_bad_code = ⚠️ A code is 3–32 latin letters, digits, <code>_</code> or <code>-</code> (upper or lower case, the same code).
adm_promo_err_bad_credits = ⚠️ CREDITS must be a positive number with at most two decimals, up to 1,000,000.
adm_promo_err_bad_uses = ⚠️ MAX_USES must be a whole number from 1 to 1,000,000.
adm_promo_err_bad_days = ⚠️ DAYS must be a whole number from 1 to 3650.
adm_promo_err_unknown = ⚠️ There is no promo code <b>{ $code }</b>.
