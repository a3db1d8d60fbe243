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
