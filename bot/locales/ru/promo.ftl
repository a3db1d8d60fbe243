## промокоды: /promo КОД и t.me/<бот>?start=promo_КОД
promo_usage = 🎁 Отправьте промокод так: <code>/promo SPRING25</code>
promo_redeemed =
    🎁 Промокод <b>{ $code }</b>: начислено <b>{ $credits }</b> { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }. Ваш баланс: <b>{ $balance }</b> { $balance ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }.
promo_err_bad_code = ⚠️ Это не похоже на промокод: в нём от 3 до 32 латинских букв, цифр, знаков <code>_</code> или <code>-</code>.
promo_err_unknown = ⚠️ Промокода <b>{ $code }</b> нет. Проверьте, нет ли опечатки, и попробуйте ещё раз.
promo_err_inactive = ⚠️ Промокод <b>{ $code }</b> больше не действует.
promo_err_expired = ⚠️ Срок действия промокода <b>{ $code }</b> истёк.
promo_err_used_up = ⚠️ Промокод <b>{ $code }</b> закончился: его уже использовали все, кому он был доступен.
promo_err_already = ℹ️ Вы уже использовали промокод <b>{ $code }</b>: каждый код действует один раз на аккаунт.
promo_err_balance_limit = ⚠️ Промокод <b>{ $code }</b> нельзя применить: баланс превысит допустимый предел.
promo_after_registration = 🎁 Промокод <b>{ $code }</b> будет применён, как только вы создадите аккаунт.

## промокоды: сторона администратора
adm_promo_usage =
    Формат: <code>/promo_new КОД КРЕДИТЫ [ЧИСЛО_ИСПОЛЬЗОВАНИЙ] [ДНЕЙ]</code>
    Например, <code>/promo_new SPRING25 20 100 30</code>: по 20 кредитов первым 100 пользователям, действует 30 дней. Без числа использований и срока код действует без ограничений и бессрочно.
adm_promo_off_usage = Формат: <code>/promo_off КОД</code>
adm_promo_created =
    ✅ Промокод <b>{ $code }</b> создан.
    { $details }
    Ссылка, чтобы поделиться: { $link }
    Или пользователи отправляют <code>/promo { $code }</code>.
adm_promo_details = { $credits } { $credits ->
        [one] кредит
        [few] кредита
        [many] кредитов
       *[other] кредита
    } на пользователя · использован { $uses }/{ $limit } · { $until } · { $status }
adm_promo_no_limit = ∞
adm_promo_until = до { $date } UTC
adm_promo_forever = бессрочно
adm_promo_status_active = ✅ действует
adm_promo_status_off = ⛔ выключен
adm_promo_status_expired = ⌛ истёк
adm_promo_status_used_up = 🈵 исчерпан
adm_promos =
    🎁 <b>Промокоды</b>: всего { $total }, сначала новые
    { $items }
adm_promos_empty = Промокодов пока нет. Создайте первый: <code>/promo_new КОД КРЕДИТЫ [ЧИСЛО_ИСПОЛЬЗОВАНИЙ] [ДНЕЙ]</code>
adm_promo_off_done = ⛔ Промокод <b>{ $code }</b> выключен. Уже начисленные кредиты остаются у пользователей.
adm_promo_err_exists = ⚠️ Промокод <b>{ $code }</b> уже есть: придумайте другой.
adm_promo_err_bad_code = ⚠️ Код — это от 3 до 32 латинских букв, цифр, знаков <code>_</code> или <code>-</code> (регистр не важен).
adm_promo_err_bad_credits = ⚠️ КРЕДИТЫ — положительное число, не больше двух знаков после запятой и не больше 1 000 000.
adm_promo_err_bad_uses = ⚠️ ЧИСЛО_ИСПОЛЬЗОВАНИЙ — целое число от 1 до 1 000 000.
adm_promo_err_bad_days = ⚠️ ДНЕЙ — целое число от 1 до 3650.
adm_promo_err_unknown = ⚠️ Промокода <b>{ $code }</b> нет.
