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
