## каталог и карточка модели
catalogue = 🔮 <b>Выберите модель</b> (цена в кредитах за предсказание):
catalogue_empty = Сейчас нет доступных моделей. Попробуйте позже.
model_unavailable = ⚠️ Эта модель сейчас недоступна. Выберите другую.
model_changed = ⚠️ Модель только что обновили, поэтому ничего не списано. Откройте её снова и введите данные заново.
metric_accuracy = точность { $value }% на отложенной выборке
metric_r2 = R² { $r2 }, средняя ошибка { $mae } на отложенной выборке
model_card =
    <b>{ $title }</b>
    { $description }

    🧠 { $algorithm } · { $metric }
    💳 Цена: <b>{ $cost }</b> { $cost ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        } · ваш баланс: <b>{ $balance }</b>

    <b>Входные данные ({ $count })</b>
    { $inputs }

    Пример, всё сразу:
    <code>{ $example }</code>
card_more_inputs = … и ещё { $count }
expect_number = число от { $min } до { $max }
expect_int = целое число от { $min } до { $max }
expect_category = одно из: { $options }
insufficient = ⚠️ Не хватает кредитов: стоимость <b>{ $cost }</b>, ваш баланс <b>{ $balance }</b>. Пополните баланс, чтобы продолжить.
