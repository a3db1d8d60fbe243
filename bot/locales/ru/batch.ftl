## пакеты (CSV-файлы)
batch_prompt =
    📄 <b>{ $title }</b>. Пришлите CSV-файл по этому шаблону: в первой строке — названия столбцов, дальше — по строке на каждое предсказание. Каждая корректная строка стоит { $cost } { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }; за некорректные строки кредиты не списываются, я покажу, что в них не так.
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
    ⚠️ Не хватает кредитов: { $valid } × { $cost } = <b>{ $total }</b>, а на балансе <b>{ $balance }</b>. Пополните баланс или пришлите файл с меньшим числом строк.
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
    ⏳ <b>{ $title }</b>: обрабатываю { $count } { $count ->
            [one] строку
            [few] строки
            [many] строк
           *[other] строки
        }…
batch_progress = ⏳ <b>{ $title }</b>: обрабатываю… готово { $done } из { $total }
batch_finished = ✅ <b>{ $title }</b>: готово { $total } из { $total }. Файл с результатами — ниже.
batch_item = Пакет из CSV-файла: { $title }, { $rows } { $rows ->
        [one] строка
        [few] строки
        [many] строк
       *[other] строки
    }, { $charged } { $charged ->
        [one] кредит
        [few] кредита
        [many] кредитов
       *[other] кредита
    } (выполнено: { $done }, возвращено: { $refunded })
batch_item_pending = , ещё выполняется: { $count }
# файл с результатами пакета (обычный текст, не HTML)
csv_status = статус
csv_prediction = предсказание
csv_probability = вероятность: { $label }
csv_error = ошибка
csv_completed = готово
csv_failed = не удалось
csv_invalid = некорректная строка
csv_pending = выполняется
csv_failed_reason = { $reason } Кредиты за эту строку возвращены.
batch_done =
    ✅ Готово: предсказано { $completed }, не удалось { $failed } (кредиты за них возвращены), некорректных строк { $bad }. Списано { $charged } { $charged ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } · баланс { $balance }.
err_batch_not_csv = ⚠️ Пришлите файл <b>.csv</b>.
err_batch_too_big = ⚠️ Файл слишком большой: не больше { $max_kb } КБ.
err_batch_download = ⚠️ Не удалось прочитать файл. Пришлите его ещё раз.
err_batch_need_file = 📄 Пришлите CSV-файл (или нажмите «Отмена»).
err_batch_encoding = ⚠️ Не удалось прочитать текст файла: сохраните его в кодировке UTF-8.
err_batch_empty = ⚠️ Файл пустой.
err_batch_malformed = ⚠️ Не получается прочитать файл как CSV: проверьте кавычки и разделители.
err_batch_missing_columns = ⚠️ Не хватает столбцов: { $missing }. В первой строке должны быть названия столбцов, как в шаблоне.
err_batch_no_rows = ⚠️ В файле есть заголовок, но нет строк.
err_batch_too_many_rows = ⚠️ Слишком много строк: { $rows }, а можно не больше { $max }. Разделите файл на части.
