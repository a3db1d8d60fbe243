## админка
adm_menu =
    🛠 <b>Админка</b>
    Команды: /users [поиск] · /user &lt;id|@имя&gt; · /credit &lt;пользователь&gt; &lt;сумма&gt; [причина] · /debit … · /disable &lt;пользователь&gt; · /enable &lt;пользователь&gt; · /models · /setcost &lt;модель&gt; &lt;цена&gt; · /enable_model &lt;имя&gt; · /disable_model &lt;имя&gt; · /addmodel · /versions &lt;модель&gt; · /rollback &lt;модель&gt; [версия] · /stats · /broadcast [текст] · /refund &lt;заказ&gt;
    Изменения баланса, аккаунтов и моделей сначала нужно подтвердить.
adm_refused = ⛔ Эта команда только для администраторов.
adm_refused_group = ⛔ Команды администратора работают только в личном чате с ботом.
adm_users = 👥 <b>Пользователи</b> (стр. { $page } из { $pages }, поиск: { $query })
adm_no_users = Никого не нашлось.
adm_user_not_found = ⚠️ Пользователь «{ $ref }» не найден. Укажите #id, id, @имя, email или tg:telegram_id.
adm_usage_user = Формат: /user &lt;#id | @имя | email | tg:telegram_id&gt;
adm_usage_credit = Формат: /credit &lt;пользователь&gt; &lt;сумма&gt; [причина]
adm_usage_debit = Формат: /debit &lt;пользователь&gt; &lt;сумма&gt; [причина]
adm_usage_disable = Формат: /disable &lt;пользователь&gt;
adm_usage_enable = Формат: /enable &lt;пользователь&gt;
adm_usage_setcost = Формат: /setcost &lt;модель&gt; &lt;цена&gt;
adm_usage_model_switch = Формат: /{ $command } &lt;имя модели&gt;
adm_user_card =
    👤 <b>#{ $id } @{ $username }</b>
    Почта: { $email } · Telegram: { $tg }
    Баланс: <b>{ $balance }</b> · { $status } · с { $created }

    <b>Последние предсказания</b>
    { $predictions }

    <b>Последние платежи</b>
    { $payments }
adm_card_is_admin = 🛠 Администратор: заблокировать нельзя.
adm_payment_line =
    Заказ №{ $order } · { $stars } ⭐ · { $credits } { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } · { $status } · { $date }
adm_payment_credited = оплачен
adm_payment_refund_pending = идёт возврат
adm_payment_refunded = возвращён
adm_payment_refund_failed = в возврате отказано
adm_active = активен
adm_disabled = ⛔ заблокирован
adm_bad_amount = ⚠️ Неверная сумма «{ $amount }»: { $reason }.
adm_amount_nan = это не число
adm_amount_infinite = число должно быть конечным
adm_amount_positive = сумма должна быть больше нуля
adm_amount_decimals = не больше двух знаков после запятой
adm_amount_max = не больше { $max }
adm_insufficient = ⚠️ На балансе { $balance }, списать { $amount } нельзя.
adm_balance_limit = ⚠️ Тогда баланс превысит допустимый предел.
adm_confirm_credit =
    💰 Начислить { $amount } { $amount ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } пользователю @{ $username } (баланс { $balance } → { $after })?
adm_confirm_debit =
    💸 Списать { $amount } { $amount ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } у @{ $username } (баланс { $balance } → { $after })?
adm_confirm_reason = Причина (для администраторов): { $reason }
adm_credit_ask = 💰 Сколько кредитов начислить @{ $username }? Сейчас на балансе { $balance }. Пришлите сумму, а после неё, если нужно, причину (например, <code>50 приз конкурса</code>).
adm_credit_ask_again = Пришлите сумму начисления, например <code>50</code>.
adm_credit_done =
    ✅ Пользователю @{ $username } { $amount ->
            [one] начислен
           *[other] начислено
        } { $amount } { $amount ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }. Баланс: { $balance }.
adm_debit_done =
    ✅ У @{ $username } { $amount ->
            [one] списан
           *[other] списано
        } { $amount } { $amount ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }. Баланс: { $balance }.
adm_confirm_disable = ⛔ Заблокировать @{ $username }? Пользоваться ботом он не сможет, пока его не разблокируют; ему придёт уведомление.
adm_confirm_enable = ✅ Разблокировать @{ $username }? Ему придёт уведомление.
adm_disable_refused_self = ⛔ Свой аккаунт заблокировать нельзя.
adm_disable_refused_admin = ⛔ @{ $username } — администратор, его заблокировать нельзя. Сначала уберите его из ADMIN_IDS.
adm_already_disabled = ℹ️ @{ $username } уже заблокирован.
adm_already_enabled = ℹ️ @{ $username } не заблокирован.
adm_disabled_done = ⛔ @{ $username } заблокирован.
adm_enabled_done = ✅ @{ $username } разблокирован.
adm_told_told = ✉️ Пользователь получил уведомление.
adm_told_unreachable = 📭 Уведомление не отправлено: пользователь заблокировал бота.
adm_told_no_chat = 📭 Уведомление не отправлено: у аккаунта нет чата в Telegram.
adm_told_failed = 📭 Уведомить пользователя не удалось: Telegram не доставил сообщение.
adm_action_cancelled = ✖ Отменено, ничего не изменилось.
adm_already_done = ℹ️ Это уже сделано.
adm_confirm_stale = Это подтверждение устарело. Выполните команду ещё раз.
adm_working = ⏳ Выполняю…
adm_models =
    🧠 <b>Модели</b> (нажмите на модель, чтобы включить или выключить её; бот попросит подтверждения)
    { $items }
adm_model_not_found = ⚠️ Модель «{ $name }» не найдена.
adm_confirm_model_on = ✅ Включить модель <code>{ $name }</code>? Пользователи увидят её в каталоге.
adm_confirm_model_off = ⛔ Выключить модель <code>{ $name }</code>? Пользователи больше не смогут её запускать.
adm_model_on = ✅ Модель { $name } включена.
adm_model_off = ⛔ Модель { $name } выключена.
adm_confirm_setcost =
    🏷 Изменить цену <code>{ $name }</code> с { $old } на { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } за запуск?
adm_cost_set =
    ✅ { $name } теперь стоит { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }.
adm_addmodel_file = Пришлите модель файлом <b>.skops</b>: обученную модель или конвейер scikit-learn, сохранённые через <code>skops.io.dump(model, "model.skops")</code>. Сначала бот проверит файл, потом попросит описание модели. Чтобы заменить модель, пришлите новую версию под тем же именем.
adm_file_checked =
    ✅ Файл проверен, это безопасная модель: <code>{ $kind }</code>, { $inputs }{ $classes }.
adm_file_inputs =
    { $count } { $count ->
            [one] входной параметр
            [few] входных параметра
            [many] входных параметров
           *[other] входного параметра
        }
adm_file_inputs_unknown = число входных параметров в файле не указано
adm_file_classes = ; классы: { $names }
adm_addmodel_meta =
    Теперь пришлите описание модели в формате JSON. Этот пример подходит к файлу: скопируйте его и поменяйте имя, тексты, диапазоны и примеры значений:
    <pre>{ $example }</pre>
    В <code>texts</code> — тексты на других языках (необязательно).
adm_addmodel_meta_file = Теперь пришлите описание модели в формате JSON. Пример в файле выше подходит к этой модели (в сообщение он не помещается): поправьте его и пришлите текстом.
adm_upload_bad_json = ⚠️ Это некорректный JSON: ошибка в строке { $line }, в позиции { $column } (<code>{ $detail }</code>).
adm_upload_bad_json_number = ⚠️ В этом JSON есть число, которое бот не может прочитать (слишком длинное, NaN или Infinity).
adm_upload_not_object = ⚠️ Описание модели должно быть объектом JSON: <code>{"{"} … {"}"}</code>.
adm_upload_bad_cost = ⚠️ Неверная цена: { $detail }.
adm_upload_bad_meta = ⚠️ Ошибка в описании модели: <code>{ $detail }</code>
adm_upload_too_big = ⚠️ Файл модели слишком большой (не больше { $max_mb } МБ).
adm_upload_load_failed = ⚠️ Файл не открывается как модель: <code>{ $detail }</code>
adm_upload_no_predict = ⚠️ В файле нет модели: объект не умеет делать предсказания (у него нет метода predict()).
adm_upload_feature_count =
    ⚠️ Модель из файла ждёт { $expected } { $expected ->
            [one] входной параметр
            [few] входных параметра
            [many] входных параметров
           *[other] входного параметра
        }, а в описании указано { $declared }.
adm_upload_feature_index =
    ⚠️ Модель из файла читает не меньше { $expected } { $expected ->
            [one] входного параметра
            [few] входных параметров
            [many] входных параметров
           *[other] входного параметра
        }, а в описании указано { $declared }.
adm_upload_class_count =
    ⚠️ У модели из файла { $expected } { $expected ->
            [one] класс
            [few] класса
            [many] классов
           *[other] класса
        }, а в описании указано { $declared }.
adm_upload_predict_failed = ⚠️ Модель не справилась с примером из описания: <code>{ $detail }</code>
adm_addmodel_not_skops = ⚠️ Пришлите файл <b>.skops</b> (<code>skops.io.dump(model, "model.skops")</code>).
adm_addmodel_pickle_refused = ⛔ Файлы pickle (.joblib, .pkl) при открытии могут выполнить любой код, поэтому бот их не принимает. Сохраните модель через <code>skops.io.dump(model, "model.skops")</code> и пришлите этот файл.
adm_upload_untrusted = ⛔ Файлу нужны типы, которым бот не доверяет: <code>{ $detail }</code>. Ничего не сохранено. Если это ваши собственные классы и вы им доверяете, добавьте их в MODEL_TRUSTED_TYPES.
adm_upload_not_skops = ⚠️ Это не файл модели skops (его создаёт <code>skops.io.dump(model, "model.skops")</code>).
adm_upload_unpacks_too_big = ⚠️ В распакованном виде файл больше { $max_mb } МБ, поэтому бот не стал его открывать.
adm_upload_broken_tree = ⚠️ Деревья решений в файле повреждены (их узлы не сходятся), поэтому модель не загружена.
adm_upload_busy = ⚠️ В этот же момент была сохранена другая версия этой модели. Проверьте /versions и при необходимости пришлите файл ещё раз.
adm_upload_ready =
    🧪 <b>{ $title }</b> (<code>{ $name }</code>) проверена, { $replaces }: { $count } { $count ->
            [one] входной параметр
            [few] входных параметра
            [many] входных параметров
           *[other] входного параметра
        }, { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } за запуск.
    На примере ({ $example }) она предсказывает:
    { $result }

    Пришлите другие значения, чтобы проверить их (так же, как их вводят пользователи), или новое описание. Пользователи ничего не увидят, пока вы не нажмёте «Опубликовать».
adm_upload_new = но ещё не опубликована
adm_upload_replaces = но ещё не опубликована (заменит версию, которая работает сейчас)
adm_upload_tried =
    🧪 На значениях { $values } модель предсказывает:
    { $result }
adm_upload_stale = Эта загрузка больше не ждёт публикации (её уже опубликовали или отменили). Чтобы начать заново, отправьте /addmodel.
adm_upload_published_already = Эта модель уже опубликована.
adm_convert_not_a_model = ⚠️ В файле pickle нет модели (объекта с методом predict()).
adm_convert_failed = ⚠️ Не удалось преобразовать pickle в файл skops. Подробности — в журнале бота.
adm_convert_limits = ⛔ Преобразование pickle превысило лимит памяти или времени и было остановлено.
adm_convert_too_big = ⛔ Преобразованная модель оказалась больше { $max_mb } МБ (это предел для загрузки), преобразование остановлено.
adm_convert_isolation = ⛔ На этом сервере преобразование нельзя изолировать (ядро не даёт пространства имён пользователей, Landlock или seccomp), поэтому pickle здесь не преобразуются. Сохраните модель через <code>skops.io.dump(model, "model.skops")</code> и пришлите этот файл.
adm_model_added =
    ✅ Модель <b>{ $title }</b> (<code>{ $name }</code>) добавлена, версия { $number }: { $count } { $count ->
            [one] входной параметр
            [few] входных параметра
            [many] входных параметров
           *[other] входного параметра
        }, цена { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }, sha256 { $sha }…
adm_model_replaced =
    ✅ Модель <b>{ $title }</b> (<code>{ $name }</code>) обновлена до версии { $number } (была { $previous }): { $count } { $count ->
            [one] входной параметр
            [few] входных параметра
            [many] входных параметров
           *[other] входного параметра
        }, цена { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }, sha256 { $sha }…
    Вернуть прежнюю: /rollback { $name } { $previous }
adm_usage_versions = Формат: /versions &lt;модель&gt;
adm_versions =
    🗂 Версии <code>{ $name }</code>:
    { $items }
adm_version_line = v{ $number } · { $when } · sha256 { $sha }… · { $by }{ $served }
adm_version_served = работает сейчас
adm_usage_rollback = Формат: /rollback &lt;модель&gt; [версия]; без версии — предыдущая перед текущей.
adm_rollback_none = ⚠️ У <code>{ $name }</code> нет более ранней версии.
adm_rollback_same = ℹ️ <code>{ $name }</code> уже работает на версии { $number }.
adm_version_not_found = ⚠️ У <code>{ $name }</code> нет версии { $number }. Список: /versions { $name }.
adm_version_unreadable = ⚠️ Описание версии { $number } модели <code>{ $name }</code> этот бот прочитать не может (подробности в журнале); модель работает на прежней версии.
adm_rolled_back = ✅ <code>{ $name }</code> теперь работает на версии { $number } (была { $previous }) во всех процессах.
adm_stats =
    📊 <b>Статистика</b> · { $period }
    Пользователи: { $users } (активных { $active }) · новых: { $new }
    Предсказания: { $runs } (✅ { $completed } · ❌ { $failed })
    <b>По моделям</b> (запуски · заработано кредитов):
    { $by_model }
    Кредиты: потрачено { $spent } · возвращено { $refunded } · начислено { $credited }
    Stars: { $payments } { $payments ->
            [one] платёж
            [few] платежа
            [many] платежей
           *[other] платежа
        }, оплачено { $stars_paid } ⭐, возвращено { $stars_refunded } ⭐ · выручка <b>{ $stars } ⭐</b>
adm_stats_model =
    • { $name }: { $runs } { $runs ->
            [one] запуск
            [few] запуска
            [many] запусков
           *[other] запуска
        } (❌ { $failed }) · { $spent } { $spent ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }
adm_stats_all = за всё время
adm_stats_days =
    за { $days } { $days ->
            [one] последний день
            [few] последних дня
            [many] последних дней
           *[other] последнего дня
        }
adm_broadcast_ask = 📣 Пришлите текст рассылки для всех активных пользователей (на английском; жирный шрифт, курсив и ссылки сохранятся):
adm_broadcast_ask_lang = 📣 Теперь тот же текст на языке «{ $language }» для тех, кто его выбрал, или нажмите «Пропустить» — они получат английский.
adm_broadcast_too_long =
    ⚠️ В тексте { $count } { $count ->
            [one] символ
            [few] символа
            [many] символов
           *[other] символа
        }, а в рассылке можно не больше { $max }. Пришлите текст покороче.
adm_broadcast_preview = 📣 Разослать это всем активным пользователям, у которых включены уведомления?
adm_broadcast_started =
    📣 Отправляю { $count } { $count ->
            [one] пользователю
           *[other] пользователям
        }…
adm_broadcast_done = 📣 Рассылка завершена: отправлено { $sent }, не доставлено { $failed }, пропущено { $skipped } (заблокировали бота; снова получат рассылку, когда напишут ему), с выключенными уведомлениями: { $opted_out }.
adm_broadcast_stale = Этот предпросмотр устарел. Отправьте /broadcast ещё раз.
adm_broadcast_already_sent = Эта рассылка уже отправлена.
adm_refund_changed = ⚠️ Платёж за это время изменился. Посмотрите на него ещё раз и повторите.
adm_confirm_refund =
    ↩️ Вернуть деньги за заказ №{ $order } пользователя @{ $username }? Ему вернутся { $stars } ⭐, а с баланса спишется { $credits } { $credits ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }.
btn_adm_confirm = ✅ Подтвердить
btn_adm_credit = 💰 Начислить
btn_adm_refund = ↩️ Возврат №{ $order } ({ $stars } ⭐)
btn_adm_card = 👤 Карточка пользователя
btn_adm_publish = 🚀 Опубликовать
btn_adm_try_example = 🧪 Проверить на примере
btn_adm_stats_all = Всё время
btn_adm_stats_days = { $days } дн.
btn_adm_broadcast_skip = ⏭ Пропустить
