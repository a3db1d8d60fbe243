## графики к результатам, объяснения «Почему?», график /stats (задача 17)

## /settings
settings_pictures = 📊 Графики к результатам: <b>{ $on }</b>
    К каждому результату приходит график, а текст результата — в подписи к нему.
settings_pictures_on = включены
settings_pictures_off = выключены
btn_pictures_off = 📊 Выключить графики
btn_pictures_on = 📊 Включить графики
pictures_turned_on = 📊 Графики включены
pictures_turned_off = 📊 Графики выключены

## график /stats
adm_chart_title = Статистика · { $period }
adm_chart_caption = 📊 <b>Статистика</b> · { $period } (цифры — в следующем сообщении)
adm_chart_predictions = Предсказания по дням и моделям
adm_chart_credits = Кредиты по дням
adm_chart_stars = Выручка в Stars по дням
adm_chart_users = Новые пользователи по дням
adm_chart_spent = потрачено
adm_chart_refunded = возвращено
adm_chart_revenue = Stars
adm_chart_new_users = новые пользователи
adm_chart_other = другие модели

## график результата
chart_probability = Вероятность
chart_typical_error = обычная ошибка ±{ $error }

## «Почему?»
btn_why = 🔍 Почему?
why_chart_title = Почему: { $title }
why_up_class = повышает шанс «{ $label }»
why_down_class = понижает его
why_up_value = увеличивает значение
why_down_value = уменьшает его
why_axis_probability = вклад в вероятность
why_axis_margin = вклад в оценку модели (логарифм шансов)
why_axis_value = вклад в предсказанное значение
why_reason_high = значение «{ $feature }» высокое ({ $value })
why_reason_low = значение «{ $feature }» низкое ({ $value })
why_reason_typical = значение «{ $feature }» равно { $value }
why_reason_category = «{ $feature }» — { $category }
why_because_one = Главным образом потому, что { $first }.
why_because_two = Главным образом потому, что { $first } и { $second }.
why_no_main_reason = Ни один признак не выделяется: результат складывается из многих небольших влияний.
why_caption =
    🔍 <b>Почему: { $title }</b> (предсказание №{ $id })
    { $sentence }
    Бесплатно.
why_unsupported = 🔍 Ответы этой модели я объяснить не могу: для её типа нет точного способа показать вклад каждого признака, а гадать я не хочу. На сам результат это не влияет.
why_not_found = Это не ваш результат, или его уже нет.
why_not_completed = У этого запуска нет результата, который можно объяснить.
why_model_changed = Модель, которая дала этот результат, с тех пор изменилась, поэтому объяснить его я уже не могу.
result_chart_caption = 📊 { $title } (результат — в следующем сообщении)
