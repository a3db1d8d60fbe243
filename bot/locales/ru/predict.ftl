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
