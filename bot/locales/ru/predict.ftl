## подтверждение и результат
confirm =
    <b>{ $title }</b>: проверьте, всё ли верно

    { $inputs }

    💳 Цена: <b>{ $cost }</b> { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }
    Баланс: { $balance } → <b>{ $after }</b>
confirm_insufficient =
    <b>{ $title }</b>

    { $inputs }

    ⚠️ Не хватает кредитов: прогноз стоит <b>{ $cost }</b>, на балансе <b>{ $balance }</b>. Пополните баланс, чтобы продолжить.
confirm_waiting = Нажмите одну из кнопок выше: ✅ Подтвердить, ✏️ Ввести заново или ✖ Отмена.
confirm_expired = Это подтверждение устарело. Начните заново: /predict.
price_changed = ⚠️ Цена изменилась: было { $was }, стало { $now }. Проверьте и подтвердите заново.
running_short = Считаю…
running = ⏳ <b>{ $title }</b>: модель считает…
still_running = ⏳ Прогноз №{ $id } ещё считается, результат появится здесь.
already_processed = ℹ️ Этот прогноз уже готов, кредиты списаны только один раз.
already_processed_short = Уже готово, списано один раз.
result =
    ✅ <b>{ $title }</b> · прогноз №{ $id }

    { $result }

    💳 Списано <b>{ $cost }</b> { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } · баланс <b>{ $balance }</b>
result_label = Прогноз: <b>{ $label }</b>
result_value = Прогноз: <b>{ $value }</b>
failed_refunded =
    ❌ <b>{ $title }</b> · прогноз №{ $id }
    { $reason }

    ↩️ Кредиты возвращены · баланс <b>{ $balance }</b>
failed_reason = Не выполнен, кредиты возвращены
recovered_summary =
    ♻️ Бот перезапускался, пока считались ваши прогнозы. Теперь все они завершены.
    Завершено: <b>{ $completed }</b> · не выполнено, кредиты возвращены: <b>{ $refunded }</b>
    Баланс: <b>{ $balance }</b> кр. Результаты — в истории.
