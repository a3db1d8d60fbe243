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
