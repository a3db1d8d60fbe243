### Русские тексты (Project Fluent). Разметка HTML; подставляемое экранируют вызывающие.
### Суммы и количества — числа: { $n } форматирует их по локали, а { $n -> [one] … [few] … [many] … *[other] … }
### выбирает форму множественного числа по CLDR (other — дробные: 1,5 кредита).

## команды (setMyCommands)
cmd_start = Старт / главное меню
cmd_predict = Сделать предсказание
cmd_balance = Баланс и последние операции
cmd_history = Ваши предсказания
cmd_topup = Пополнить кредиты
cmd_language = Язык
cmd_help = Что умеет бот
cmd_login = Войти в существующий аккаунт
cmd_cancel = Отменить текущий диалог

## кнопки
btn_predict = 🔮 Предсказать
btn_balance = 💰 Баланс
btn_history = 📜 История
btn_topup = ➕ Пополнить
btn_language = 🌐 Язык
btn_help = ❓ Помощь
btn_admin = 🛠 Админка
btn_menu = 🏠 Меню
btn_cancel = ✖ Отмена
btn_back = ◀ Назад
btn_use_username = Взять @{ $username }
btn_model = { $title } · { $cost } кр
btn_start_input = ▶ Ввести данные
btn_batch = 📄 Пакетом из CSV-файла
btn_back_catalogue = ◀ Все модели
btn_use_example = Взять пример: { $example }
btn_confirm = ✅ Подтвердить и оплатить { $cost } кр
btn_edit = ✏️ Ввести заново
btn_repeat = 🔁 Повторить
btn_other_model = 🔮 Другая модель
btn_transactions = 💳 Операции
btn_back_history = ◀ История
btn_send = 📣 Отправить всем
btn_adm_users = 👥 Пользователи
btn_adm_models = 🧠 Модели
btn_adm_stats = 📊 Статистика
btn_adm_broadcast = 📣 Рассылка
btn_adm_disable = ⛔ Заблокировать
btn_adm_enable = ✅ Разблокировать

## регистрация и вход
reg_welcome =
    👋 Добро пожаловать! Этот бот делает предсказания моделями машинного обучения за кредиты.
    Создадим аккаунт: три коротких шага, и вы получите <b>{ $credits } { $credits ->
            [one] бесплатный кредит
            [few] бесплатных кредита
            [many] бесплатных кредитов
           *[other] бесплатного кредита
        }</b>.
reg_ask_username = Шаг 1/3. Придумайте <b>имя пользователя</b>: 3–32 латинские буквы, цифры, <code>_ . -</code>
reg_ask_email = Отлично, <b>{ $username }</b>. Шаг 2/3. Ваш <b>email</b>:
reg_ask_password =
    Шаг 3/3. Придумайте <b>пароль</b>: не короче 8 символов, буквы и цифры.
    Я удалю сообщение сразу после прочтения.
reg_done =
    🎉 Аккаунт <b>{ $name }</b> создан. Ваш баланс: <b>{ $balance }</b> { $balance ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }.
login_ask_email = Вход в существующий аккаунт. Ваш <b>email</b>:
login_ask_password = Ваш <b>пароль</b> (сообщение будет удалено сразу после прочтения):
login_done = ✅ Вы вошли как <b>{ $name }</b>. Этот Telegram-аккаунт теперь привязан к нему.
login_already = Вы уже вошли как <b>{ $name }</b>.
err_bad_username = ⚠️ Такое имя не подойдёт: 3–32 латинские буквы, цифры, <code>_ . -</code>. Попробуйте другое:
err_username_taken = ⚠️ Имя <b>{ $username }</b> занято. Попробуйте другое:
err_bad_email = ⚠️ Это не похоже на email (например, <code>name@example.com</code>). Попробуйте ещё раз:
err_email_taken = ⚠️ Аккаунт с таким email уже есть. Войдите в него через /login или введите другой email:
err_weak_password = ⚠️ Слишком простой: не короче 8 символов, буквы и цифры, без пробелов по краям. Попробуйте другой:
err_long_password = ⚠️ Слишком длинный: не больше 128 символов. Попробуйте другой:
err_telegram_taken = ⚠️ Этот Telegram-аккаунт уже привязан к аккаунту.
err_duplicate = ⚠️ Это имя или email только что заняли. Выберите снова:
err_bad_credentials = ⚠️ Неверный email или пароль. Введите email ещё раз:
err_disabled = ⛔ Этот аккаунт заблокирован. Обратитесь в поддержку.
err_bad_credentials_short = ⚠️ Неверный email или пароль.
err_login_not_email = ⚠️ Это не похоже на email, поэтому я удалил сообщение: вдруг это был пароль. Ваш <b>email</b>:
err_login_blocked = ⏳ Слишком много неудачных попыток входа. Повторите попытку через { $wait }.
wait_seconds = { $n } с
wait_minutes = { $n } мин
login_moved_away = 🔐 Аккаунт <b>{ $name }</b> теперь привязан к другому аккаунту Telegram: в него только что вошли через /login. Если это были не вы, обратитесь в поддержку.
need_text = Пожалуйста, ответьте текстом или нажмите «Отмена».
need_registration = 👋 Сначала зарегистрируйтесь: отправьте /start (или /login, если аккаунт уже есть).

## общее
menu =
    👤 <b>{ $name }</b> · баланс <b>{ $balance }</b> { $balance ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }
    Что сделаем?
cancelled = Отменено.
cancelled_unregistered = Отменено. Отправьте /start, когда захотите.
nothing_to_cancel = Отменять нечего.
unknown_input = Не понял. Воспользуйтесь меню ниже или /help.
button_expired = Эта кнопка устарела. Откройте меню заново: /start.
not_found = Не найдено.
throttled = ⏳ Слишком много запросов: пожалуйста, помедленнее.
blocked = ⛔ Ваш аккаунт заблокирован. Если это ошибка, обратитесь в поддержку.
error = 😔 У нас что-то пошло не так. Ваши кредиты в сохранности. Код ошибки: <code>{ $id }</code>
error_alert = 😔 У нас что-то пошло не так. Ваши кредиты в сохранности. Код ошибки: { $id }
choose_language = Выберите язык:
language_set = ✅ Язык: русский
help =
    <b>Что умеет бот</b>
    Он запускает модели машинного обучения на ваших данных и сообщает результат: класс с вероятностями или число. Каждое предсказание стоит кредиты; за неудачное кредиты возвращаются автоматически.

    <b>Модели и цены</b> (кредитов за предсказание)
    { $costs }

    <b>Как пользоваться</b>
    • /predict: выберите модель, введите данные по одному (или все сразу: <code>5,1; 3,5; 1,4; 0,2</code> или парами <code>имя=значение</code>), подтвердите и получите результат.
    • CSV-файл с заголовком из имён признаков даёт предсказания для многих строк сразу, оплата за каждую корректную строку.
    • /balance, /history, /topup, /paysupport, /language, /login, /cancel.

    Новые аккаунты получают { $credits } { $credits ->
            [one] бесплатный кредит
            [few] бесплатных кредита
            [many] бесплатных кредитов
           *[other] бесплатного кредита
        }.

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
    💳 <b>Операции</b> (стр. { $page }/{ $pages })
    { $items }

## каталог и карточка модели
catalogue = 🔮 <b>Выберите модель</b> (цена в кредитах за предсказание):
catalogue_empty = Сейчас нет доступных моделей. Попробуйте позже.
model_unavailable = ⚠️ Эта модель сейчас недоступна. Выберите другую.
model_changed = ⚠️ Модель только что обновили, поэтому ничего не списано. Откройте её снова и введите данные заново.
metric_accuracy = точность { $value }% на отложенной выборке
metric_r2 = R² { $r2 }, средняя ошибка { $mae } на отложенной выборке
model_card =
    <b>{ $title }</b>
    { $description }

    🧠 { $algorithm } · { $metric }
    💳 Цена: <b>{ $cost }</b> { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } · ваш баланс: <b>{ $balance }</b>

    <b>Входные данные ({ $count })</b>
    { $inputs }

    Пример, всё сразу:
    <code>{ $example }</code>
card_more_inputs = … и ещё { $count }
expect_number = число от { $min } до { $max }
expect_int = целое число от { $min } до { $max }
expect_category = одно из: { $options }
insufficient = ⚠️ Не хватает кредитов: стоимость <b>{ $cost }</b>, ваш баланс <b>{ $balance }</b>. Пополните баланс, чтобы продолжить.

## пошаговый ввод
step =
    <b>{ $i }/{ $n }. { $name }</b>
    { $description }
    Ожидается: { $expected }
    Пример: <code>{ $example }</code>
step_paste_hint =
    💡 Можно прислать все { $count } { $count ->
            [one] значение
            [few] значения
            [many] значений
           *[other] значения
        } одним сообщением.
need_value = Пожалуйста, пришлите значение текстом.
err_in_not_a_number = ⚠️ <b>{ $feature }</b>: «{ $got }» — не число. Ожидается { $expected }.
err_in_not_finite = ⚠️ <b>{ $feature }</b>: нужно конечное число. Ожидается { $expected }.
err_in_out_of_range = ⚠️ <b>{ $feature }</b>: { $got } вне допустимого диапазона. Ожидается { $expected }.
err_in_not_integer = ⚠️ <b>{ $feature }</b>: { $got } — не целое число. Ожидается { $expected }.
err_in_unknown_category = ⚠️ <b>{ $feature }</b>: «{ $got }» не допускается. Ожидается { $expected }.
err_in_empty = ⚠️ <b>{ $feature }</b>: значение не указано. Ожидается { $expected }.
err_in_empty_all =
    ⚠️ Значения не указаны: пришлите { $count } { $count ->
            [one] значение
            [few] значения
            [many] значений
           *[other] значения
        }.
err_in_wrong_count = ⚠️ Ожидается значений: <b>{ $count }</b>, получено: <b>{ $got }</b>. Разделяйте значения запятыми, пробелами или точками с запятой (с десятичной запятой — пробелами или точками с запятой).
err_in_unknown_feature = ⚠️ Неизвестный признак «{ $feature }». Признаки: { $allowed }.
err_in_duplicate_feature = ⚠️ <b>{ $feature }</b> указан дважды.
err_in_missing_features = ⚠️ Не хватает признаков: { $missing }.
err_in_bad_pairs = ⚠️ Пишите каждое значение как <code>имя=значение</code> или просто значения по порядку.
err_in_too_long =
    ⚠️ Сообщение слишком длинное (не больше { $max } { $max ->
            [one] символа
            [few] символов
            [many] символов
           *[other] символа
        }).

## подтверждение и результат
confirm =
    <b>{ $title }</b>: проверьте данные

    { $inputs }

    💳 Стоимость: <b>{ $cost }</b> { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }
    Баланс: { $balance } → <b>{ $after }</b>
confirm_insufficient =
    <b>{ $title }</b>

    { $inputs }

    ⚠️ Не хватает кредитов: стоимость <b>{ $cost }</b>, ваш баланс <b>{ $balance }</b>. Пополните баланс, чтобы продолжить.
confirm_waiting = Воспользуйтесь кнопками выше: ✅ Подтвердить, ✏️ Ввести заново или ✖ Отмена.
confirm_expired = Это подтверждение устарело. Начните заново: /predict.
price_changed = ⚠️ Цена изменилась: было { $was }, стало { $now }. Проверьте и подтвердите заново.
running_short = Выполняю…
running = ⏳ <b>{ $title }</b>: модель работает…
still_running = ⏳ Предсказание #{ $id } ещё выполняется; результат появится здесь.
already_processed = ℹ️ Уже выполнено: списание было одно.
already_processed_short = Уже выполнено: списание одно.
result =
    ✅ <b>{ $title }</b> · предсказание #{ $id }

    { $result }

    💳 Списано <b>{ $cost }</b> { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } · баланс <b>{ $balance }</b>
result_label = Предсказание: <b>{ $label }</b>
result_value = Предсказание: <b>{ $value }</b>
failed_refunded =
    ❌ <b>{ $title }</b> · предсказание #{ $id } не удалось: { $reason }

    ↩️ Кредиты возвращены · баланс <b>{ $balance }</b>
failed_reason = Ошибка: { $reason } (кредиты возвращены)
recovered_summary =
    ♻️ Бот перезапускался, пока выполнялись ваши предсказания. Теперь все они обработаны.
    Завершено: <b>{ $completed }</b> · не выполнено, кредиты возвращены: <b>{ $refunded }</b>
    Баланс: <b>{ $balance }</b> кр. Результаты — в истории.

## история
history =
    📜 <b>Ваши предсказания</b> (стр. { $page }/{ $pages })

    { $items }
history_line = { $icon } #{ $id } · { $title } · { $result } · { $date }
history_empty = 📜 Предсказаний пока нет. Попробуйте /predict!
status_completed = выполнено
status_failed = ошибка
status_pending = выполняется
prediction_detail =
    <b>Предсказание #{ $id }</b> · { $title }
    Статус: { $status } · { $date }
    Стоимость: { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }

    <b>Входные данные</b>
    { $inputs }

    { $outcome }

## пакеты
batch_prompt =
    📄 <b>{ $title }</b>: пришлите CSV-файл, в первой строке — имена признаков, как в этом шаблоне. Каждая корректная строка стоит { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }; некорректные строки перечисляются и не оплачиваются.
    Не больше { $max_rows } { $max_rows ->
            [one] строки
            [few] строк
            [many] строк
           *[other] строки
        } и { $max_kb } КБ.
batch_confirm =
    📄 <b>{ $title }</b>
    Корректных строк: <b>{ $valid }</b> · некорректных (без оплаты): { $bad }
    💳 { $valid } × { $cost } = <b>{ $total }</b> { $total ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }
    Баланс: { $balance } → <b>{ $after }</b>
batch_insufficient =
    📄 <b>{ $title }</b>
    Корректных строк: <b>{ $valid }</b> · некорректных: { $bad }
    ⚠️ Не хватает кредитов: { $valid } × { $cost } = <b>{ $total }</b>, ваш баланс <b>{ $balance }</b>. Пополните баланс или пришлите файл короче.
batch_bad_row = Строка { $row }: { $reason }
batch_more_bad =
    … и ещё { $count } { $count ->
            [one] некорректная строка
            [few] некорректные строки
            [many] некорректных строк
           *[other] некорректной строки
        } (все есть в файле с результатами).
batch_no_valid =
    ⚠️ В файле нет корректных строк, ничего не списано.
    { $bad }
batch_running =
    ⏳ <b>{ $title }</b>: считаю { $count } { $count ->
            [one] строку
            [few] строки
            [many] строк
           *[other] строки
        }…
batch_done =
    ✅ Готово: предсказано { $completed }, ошибок { $failed } (кредиты возвращены), некорректных { $bad }. Списано { $charged } { $charged ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } · баланс { $balance }.
err_batch_not_csv = ⚠️ Пришлите файл <b>.csv</b>.
err_batch_too_big = ⚠️ Файл слишком большой: не больше { $max_kb } КБ.
err_batch_download = ⚠️ Не удалось прочитать файл. Пришлите его ещё раз.
err_batch_need_file = 📄 Пришлите CSV-файл (или нажмите «Отмена»).
err_batch_encoding = ⚠️ Файл должен быть текстом в UTF-8.
err_batch_empty = ⚠️ Файл пустой.
err_batch_malformed = ⚠️ Это не корректный CSV: { $detail }
err_batch_missing_columns = ⚠️ Не хватает столбцов: { $missing }. В первой строке должны быть имена признаков.
err_batch_no_rows = ⚠️ В файле есть заголовок, но нет строк.
err_batch_too_many_rows = ⚠️ Слишком много строк: { $rows }, максимум { $max }. Разделите файл.

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
