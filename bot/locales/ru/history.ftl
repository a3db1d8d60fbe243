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
