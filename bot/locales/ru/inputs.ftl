## пошаговый ввод
step =
    <b>{ $i }/{ $n }. { $label }</b>
    { $description }
    Нужно: { $expected }
    Пример: <code>{ $example }</code>
step_choice =
    <b>{ $i }/{ $n }. { $label }</b>
    { $description }
    Выберите вариант кнопкой ниже или напишите его.
step_paste_hint =
    💡 Можно прислать все { $count } { $count ->
            [one] значение
            [few] значения
            [many] значений
           *[other] значения
        } одним сообщением.
step_stale = Эта кнопка относится к предыдущему вопросу, ничего не подставлено.
need_value = Пришлите значение текстом.
err_in_not_a_number = ⚠️ <b>{ $feature }</b>: неверное значение «{ $got }», нужно { $expected }.
err_in_not_finite = ⚠️ <b>{ $feature }</b>: «{ $got }» — не обычное число, нужно { $expected }.
err_in_out_of_range = ⚠️ <b>{ $feature }</b>: значение { $value } вне допустимых пределов, нужно { $expected }.
err_in_not_integer = ⚠️ <b>{ $feature }</b>: { $value } — не целое число, нужно { $expected }.
err_in_unknown_category = ⚠️ <b>{ $feature }</b>: варианта «{ $got }» нет, нужно { $expected }.
err_in_empty = ⚠️ <b>{ $feature }</b>: значение не указано, нужно { $expected }.
err_in_empty_all =
    ⚠️ Значения не указаны: пришлите { $count } { $count ->
            [one] значение
            [few] значения
            [many] значений
           *[other] значения
        }.
err_in_wrong_count = ⚠️ Нужно значений: <b>{ $count }</b>, а прислано: <b>{ $got }</b>. Разделяйте значения запятыми, пробелами или точками с запятой (если в числах десятичная запятая — пробелами или точками с запятой).
err_in_unknown_feature = ⚠️ Неизвестный параметр «{ $feature }». Параметры: { $allowed }.
err_in_duplicate_feature = ⚠️ Параметр <b>{ $feature }</b> указан дважды.
err_in_missing_features = ⚠️ Не хватает параметров: { $missing }.
err_in_bad_pairs = ⚠️ Пишите каждое значение как <code>имя=значение</code> или просто перечислите значения по порядку.
err_in_too_long =
    ⚠️ Сообщение слишком длинное (не больше { $max } { $max ->
            [one] символа
            [few] символов
            [many] символов
           *[other] символа
        }).
