## история
history =
    📜 <b>Ваши предсказания</b> (стр. { $page } из { $pages })

    { $items }
history_line = { $icon } #{ $id } · { $title } · { $result } · { $date }
history_batch_line = 📄 { $batch } · { $date }
history_empty = 📜 Предсказаний пока нет. Попробуйте /predict!
status_completed = готово
status_failed = не удалось
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
history_failed = ❌ { $reason } Кредиты возвращены.
# почему предсказание не удалось, простыми словами
fail_timeout = Модель слишком долго не отвечала.
fail_interrupted = Бот перезапустился, пока модель считала, поэтому прогноз не готов.
fail_not_stored = Не удалось сохранить результат.
fail_output = Модель выдала ответ, которым нельзя воспользоваться.
fail_model = Модель не смогла обработать эти значения.
# пакет из CSV-файла, открытый из истории или операций
batch_view =
    📄 { $batch }
    { $date } · строки, стр. { $page } из { $pages }:

    { $items }
batch_row_line = { $icon } #{ $id } · { $result }
btn_batch_item = 📄 Пакет из CSV-файла · { $title } · { $date }
