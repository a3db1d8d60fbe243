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
