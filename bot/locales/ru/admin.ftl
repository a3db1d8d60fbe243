## админка
adm_menu =
    🛠 <b>Админка</b>
    Команды: /users [поиск] · /user &lt;id|@имя&gt; · /credit &lt;пользователь&gt; &lt;сумма&gt; [причина] · /debit … · /disable &lt;пользователь&gt; · /enable &lt;пользователь&gt; · /models · /setcost &lt;модель&gt; &lt;цена&gt; · /enable_model &lt;имя&gt; · /disable_model &lt;имя&gt; · /addmodel · /versions &lt;модель&gt; · /rollback &lt;модель&gt; [версия] · /stats · /broadcast [текст] · /refund &lt;заказ&gt;
adm_refused = ⛔ Эта команда только для администраторов.
adm_refused_group = ⛔ Команды администратора работают только в личном чате с ботом.
adm_users = 👥 <b>Пользователи</b> (стр. { $page }/{ $pages }, поиск: { $query })
adm_no_users = Пользователи не найдены.
adm_user_not_found = ⚠️ Нет пользователя «{ $ref }». Укажите #id, id, @имя, email или tg:telegram_id.
adm_usage_user = Формат: /user &lt;#id | @имя | email | tg:telegram_id&gt;
adm_usage_credit = Формат: /credit &lt;пользователь&gt; &lt;сумма&gt; [причина]
adm_usage_debit = Формат: /debit &lt;пользователь&gt; &lt;сумма&gt; [причина]
adm_usage_disable = Формат: /disable &lt;пользователь&gt;
adm_usage_enable = Формат: /enable &lt;пользователь&gt;
adm_usage_setcost = Формат: /setcost &lt;модель&gt; &lt;цена&gt;
adm_usage_model_switch = Формат: /{ $command } &lt;имя модели&gt;
adm_user_card =
    👤 <b>#{ $id } @{ $username }</b>
    Email: { $email } · Telegram: { $tg }
    Баланс: <b>{ $balance }</b> · { $status } · с { $created }

    <b>Последние предсказания</b>
    { $predictions }
adm_active = активен
adm_disabled = ⛔ заблокирован
adm_bad_amount = ⚠️ Неверная сумма «{ $amount }»: { $reason }.
adm_insufficient = ⚠️ Баланс { $balance }, нельзя списать { $amount }.
adm_balance_limit = ⚠️ Баланс превысил бы допустимый предел.
adm_credit_done = ✅ Начислено { $amount } пользователю @{ $username }. Баланс: { $balance }.
adm_debit_done = ✅ Списано { $amount } у @{ $username }. Баланс: { $balance }.
adm_disabled_done = ⛔ @{ $username } заблокирован.
adm_enabled_done = ✅ @{ $username } разблокирован.
adm_models =
    🧠 <b>Модели</b> (нажмите, чтобы включить/выключить)
    { $items }
adm_model_not_found = ⚠️ Нет модели «{ $name }».
adm_model_on = ✅ Модель { $name } включена.
adm_model_off = ⛔ Модель { $name } выключена.
adm_cost_set =
    ✅ { $name } теперь стоит { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }.
adm_addmodel_file = Пришлите модель файлом <b>.skops</b>: обученный estimator или pipeline scikit-learn, сохранённый через <code>skops.io.dump(model, "model.skops")</code>. Чтобы заменить модель, пришлите новую версию под тем же именем.
adm_addmodel_meta =
    Теперь её метаданные в JSON, например:
    <code>{"{"}"name": "my_model", "title": "Моя модель", "description": "…", "task": "classification", "algorithm": "RandomForest", "class_names": ["no", "yes"], "cost": 2, "features": [{"{"}"name": "x1", "description": "…", "min": 0, "max": 10, "example": 1{"}"}]{"}"}</code>
adm_upload_bad_json = ⚠️ Это не корректный JSON: { $detail }
adm_upload_bad_cost = ⚠️ Неверная цена: { $detail }.
adm_upload_bad_meta = ⚠️ Неверные метаданные: { $detail }
adm_upload_too_big = ⚠️ Файл модели слишком большой (не больше { $max_mb } МБ).
adm_upload_load_failed = ⚠️ Файл не загружается как модель: { $detail }
adm_upload_no_predict = ⚠️ У объекта нет метода predict().
adm_upload_feature_count = ⚠️ Модель ожидает признаков: { $expected }, в метаданных: { $declared }.
adm_upload_class_count = ⚠️ У модели классов: { $expected }, в метаданных: { $declared }.
adm_upload_predict_failed = ⚠️ Модель не справилась с примером из метаданных: { $detail }
adm_addmodel_not_skops = ⚠️ Пришлите файл <b>.skops</b> (<code>skops.io.dump(model, "model.skops")</code>).
adm_addmodel_pickle_refused = ⛔ Файлы pickle (.joblib, .pkl) при открытии могут выполнить любой код, поэтому бот их не принимает. Сохраните модель через <code>skops.io.dump(model, "model.skops")</code> и пришлите этот файл.
adm_upload_untrusted = ⛔ Файлу нужны типы, которым бот не доверяет: <code>{ $detail }</code>. Ничего не сохранено. Если это ваши собственные классы и вы им доверяете, добавьте их в MODEL_TRUSTED_TYPES.
adm_upload_not_skops = ⚠️ Это не файл модели skops: { $detail }.
adm_upload_busy = ⚠️ В этот же момент была сохранена другая версия этой модели. Проверьте /versions и при необходимости пришлите файл ещё раз.
adm_convert_not_a_model = ⚠️ В файле pickle нет модели (объекта с методом predict()).
adm_convert_failed = ⚠️ Не удалось преобразовать pickle в файл skops. Подробности — в журнале бота.
adm_convert_limits = ⛔ Преобразование pickle превысило лимит памяти или времени и было остановлено.
adm_convert_too_big = ⛔ Преобразованная модель оказалась больше { $max_mb } МБ (это предел для загрузки), преобразование остановлено.
adm_convert_isolation = ⛔ На этом сервере преобразование нельзя изолировать (ядро не даёт пространства имён пользователей, Landlock или seccomp), поэтому pickle здесь не преобразуются. Сохраните модель через <code>skops.io.dump(model, "model.skops")</code> и пришлите этот файл.
adm_model_added =
    ✅ Модель <b>{ $title }</b> (<code>{ $name }</code>) добавлена, версия { $number }: входных данных { $count }, цена { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }, sha256 { $sha }…
adm_model_replaced =
    ✅ Модель <b>{ $title }</b> (<code>{ $name }</code>) обновлена до версии { $number } (была { $previous }): входных данных { $count }, цена { $cost } { $cost ->
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
adm_version_unreadable = ⚠️ Метаданные версии { $number } модели <code>{ $name }</code> этот бот прочитать не может (подробности в логе); модель работает на прежней версии.
adm_rolled_back = ✅ <code>{ $name }</code> теперь работает на версии { $number } (была { $previous }) во всех процессах.
adm_stats =
    📊 <b>Статистика</b>
    Пользователи: { $users } (активных { $active })
    Предсказания: ✅ { $completed } · ❌ { $failed } · ⏳ { $pending }
    { $by_model }
    Потрачено кредитов: { $spent } · возвращено: { $refunded } · начислено: { $credited }
adm_broadcast_ask = 📣 Пришлите текст рассылки для всех активных пользователей:
adm_broadcast_preview =
    📣 Разослать это всем активным пользователям?

    { $text }
adm_broadcast_started =
    📣 Отправляю { $count } { $count ->
            [one] пользователю
           *[other] пользователям
        }…
adm_broadcast_done = 📣 Рассылка завершена: отправлено { $sent }, не доставлено { $failed }, пропущено { $skipped } (заблокировали бота; снова получат рассылку, когда напишут ему).
adm_broadcast_stale = Этот предпросмотр устарел. Отправьте /broadcast ещё раз.
adm_broadcast_already_sent = Эта рассылка уже отправлена.
