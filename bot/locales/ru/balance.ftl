## баланс и операции
balance =
    💰 Баланс: <b>{ $balance }</b> { $balance ->
            [one] кредит
            [few] кредита
            [many] кредитов
           *[other] кредита
        }

    <b>Последние операции</b>
    { $latest }
no_transactions = Операций пока нет.
transactions =
    💳 <b>Операции</b> (стр. { $page }/{ $pages })
    { $items }
